package dev.ipckit.redis;

import dev.ipckit.Channel;
import dev.ipckit.Channels;
import java.nio.ByteBuffer;
import java.time.Duration;

/**
 * A slow stream consumer for {@link RedisStreamTest}: {@code StreamConsumerMain URI} prints
 * {@code got N} for each message (an int) it receives, taking 5 ms over each, until killed.
 * Exits when its stdin closes (the test JVM is gone).
 */
public final class StreamConsumerMain {
  private StreamConsumerMain() {}

  public static void main(String[] args) throws Exception {
    Thread watch = new Thread(() -> {
      try {
        while (System.in.read() >= 0) {
          // the parent never writes; end-of-file means it is gone
        }
      } catch (java.io.IOException ignored) {
        // the same
      }
      Runtime.getRuntime().halt(3);
    });
    watch.setDaemon(true);
    watch.start();
    try (Channel ch = Channels.open(args[0])) {
      System.out.println("ready");
      System.out.flush();
      while (true) {
        ByteBuffer m = ch.receive(Duration.ofSeconds(30));
        if (m != null) {
          System.out.println("got " + m.getInt(0));
          System.out.flush();
          Thread.sleep(5);
        }
      }
    }
  }
}
