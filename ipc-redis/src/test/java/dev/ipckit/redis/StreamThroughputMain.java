package dev.ipckit.redis;

import dev.ipckit.Channel;
import dev.ipckit.ChannelServer;
import dev.ipckit.Channels;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * A rough one-way throughput measure of redis-stream:// (not a test; not run by the build):
 * {@code StreamThroughputMain [redis://host:port/0] [messages] [size]}. Without a URI it starts
 * its own redis-server. Prints msgs/s for a consumer group and for a pair.
 */
public final class StreamThroughputMain {
  private StreamThroughputMain() {}

  public static void main(String[] args) throws Exception {
    LocalRedis own = args.length > 0 ? null : LocalRedis.startNew();
    try {
      String base = (own != null ? own.uri() : args[0]).replaceFirst("^redis", "redis-stream");
      int n = args.length > 1 ? Integer.parseInt(args[1]) : 200_000;
      int size = args.length > 2 ? Integer.parseInt(args[2]) : 64;
      for (int round = 0; round < 2; round++) {
        String s = "bench" + round;
        try (Channel out = Channels.open(base + "?to=" + s + "&receive=false&maxLen=0");
            Channel in = Channels.open(base + "?stream=" + s + "&group=g&consumer=c")) {
          report("consumer group " + size + " B", n, size, out, in);
        }
        String uri = base + "?server=bench" + round;
        try (ChannelServer server = Channels.listen(uri); Channel client = Channels.open(uri)) {
          Channel accepted = server.accept(Duration.ofSeconds(10));
          report("pair           " + size + " B", n, size, client, accepted);
        }
      }
    } finally {
      if (own != null) {
        own.close();
      }
    }
  }

  private static void report(String what, int n, int size, Channel out, Channel in) throws Exception {
    long t0 = System.nanoTime();
    CompletableFuture<Void> sending = CompletableFuture.runAsync(() -> {
      try {
        ByteBuffer m = ByteBuffer.allocate(size);
        for (int i = 0; i < n; i++) {
          out.send(m.clear());
        }
        out.flush();
      } catch (Exception e) {
        throw new RuntimeException(e);
      }
    });
    int got = 0;
    while (got < n) {
      int k = in.poll(m -> { }, 1024, Duration.ofSeconds(10));
      if (k == 0) {
        throw new IllegalStateException("stalled after " + got);
      }
      got += k;
    }
    sending.join();
    double s = (System.nanoTime() - t0) / 1e9;
    System.out.printf("%s: %,d msgs in %.2f s = %,.0f msgs/s%n", what, n, s, n / s);
  }
}
