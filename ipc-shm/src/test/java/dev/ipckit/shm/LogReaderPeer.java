package dev.ipckit.shm;

import dev.ipckit.Channel;
import dev.ipckit.Channels;
import java.nio.ByteBuffer;
import java.time.Duration;

/**
 * A child process that reads {@code N} messages from a log and prints each one's first int, then
 * prints {@code held} and waits to be killed: {@code LogReaderPeer URI N}.
 */
public final class LogReaderPeer {
  private LogReaderPeer() {}

  public static void main(String[] args) throws Exception {
    Channel ch = Channels.open(args[0]); // never closed: the parent SIGKILLs this process
    int n = Integer.parseInt(args[1]);
    for (int i = 0; i < n; i++) {
      ByteBuffer m = ch.receive(Duration.ofSeconds(30));
      System.out.println(m == null ? "timeout" : String.valueOf(m.getInt()));
    }
    System.out.println("held");
    System.out.flush();
    Thread.sleep(Long.MAX_VALUE);
  }
}
