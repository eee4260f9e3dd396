package dev.ipckit.shm;

import dev.ipckit.Channel;
import dev.ipckit.ChannelServer;
import dev.ipckit.Channels;
import java.time.Duration;

/**
 * A child process that uses shm: once and reports what a user would see:
 * {@code SetupProbe DIR}. Prints {@code ok}, then the Chronicle properties as they are after use;
 * or {@code failed CLASS: MESSAGE} and exits 1.
 */
public final class SetupProbe {
  private SetupProbe() {}

  public static void main(String[] args) {
    String uri = "shm:" + args[0];
    try (ChannelServer server = Channels.listen(uri);
         Channel client = Channels.open(server.uri());
         Channel accepted = server.accept(Duration.ofSeconds(10))) {
      client.send(new byte[] {42});
      if (accepted.receive(Duration.ofSeconds(10)).get() != 42) {
        throw new AssertionError("wrong byte");
      }
      System.out.println("ok");
      System.out.println("chronicle.analytics.disable=" + System.getProperty("chronicle.analytics.disable"));
      System.out.println("chronicle.announcer.disable=" + System.getProperty("chronicle.announcer.disable"));
    } catch (Exception e) {
      System.out.println("failed " + e.getClass().getName() + ": " + e.getMessage());
      System.exit(1);
    }
  }
}
