package dev.ipckit.redis;

import static org.junit.jupiter.api.Assertions.*;

import dev.ipckit.Channel;
import dev.ipckit.ChannelServer;
import dev.ipckit.Channels;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.BitSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Redis (with its append-only file on) is killed and restarted mid-stream. What streams
 * guarantee: nothing is lost; a consumer group may see an entry twice (at-least-once), a pair
 * sees every message once and in order.
 */
@Timeout(60)
class RedisStreamRestartTest {
  private static final String FAST = "backoff=50ms&maxBackoff=200ms&connectTimeout=2s&sendTimeout=20s";
  private LocalRedis redis;
  private String base;

  @BeforeEach
  void setUp() throws Exception {
    // AOF, so that a SIGKILLed Redis comes back with what it had
    redis = RedisForTests.ownServer(LocalRedis.Source.PATH, "--appendonly", "yes");
    base = redis.uri().replaceFirst("^redis", "redis-stream");
  }

  @AfterEach
  void tearDown() {
    if (redis != null) {
      redis.close();
    }
  }

  /** Sends 1..n as ints, a few at a time, on another thread. */
  private static CompletableFuture<Void> sendNumbers(Channel ch, int n) {
    return CompletableFuture.runAsync(() -> {
      try {
        for (int i = 1; i <= n; i++) {
          ch.send(ByteBuffer.allocate(4).putInt(0, i));
          if (i % 10 == 0) {
            Thread.sleep(3);
          }
        }
        ch.flush();
      } catch (Exception e) {
        throw new RuntimeException(e);
      }
    });
  }

  @Test
  void aConsumerGroupLosesNothing() throws Exception {
    int n = 3000;
    try (Channel producer = Channels.open(base + "?to=jobs&receive=false&" + FAST);
        Channel consumer = Channels.open(base + "?stream=jobs&group=g&consumer=c&" + FAST)) {
      CompletableFuture<Void> sending = sendNumbers(producer, n);
      BitSet seen = new BitSet();
      int received = 0;
      boolean restarted = false;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
      while (seen.cardinality() < n) {
        assertTrue(System.nanoTime() < deadline, "only " + seen.cardinality() + " of " + n + " arrived");
        if (!restarted && received > n / 4) {
          redis.stop();
          Thread.sleep(300);
          redis.start();
          restarted = true;
        }
        ByteBuffer m = consumer.receive(Duration.ofMillis(500));
        if (m != null) {
          seen.set(m.getInt(0) - 1);
          received++;
        }
      }
      sending.get(30, TimeUnit.SECONDS);
      assertTrue(restarted);
      assertTrue(((RedisStreamChannel) consumer).readerConnects() >= 2, "the reader reconnected");
      assertTrue(received - n < n / 10, received - n + " duplicates: only a batch cut by the restart repeats");
    }
  }

  @Test
  void aPairLosesNothingAndRepeatsNothing() throws Exception {
    int n = 3000;
    String uri = base + "?server=svc&" + FAST;
    try (ChannelServer server = Channels.listen(uri); Channel client = Channels.open(uri)) {
      Channel accepted = server.accept(Duration.ofSeconds(10));
      assertNotNull(accepted);
      CompletableFuture<Void> sending = sendNumbers(client, n);
      int last = 0;
      boolean restarted = false;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
      while (last < n) {
        assertTrue(System.nanoTime() < deadline, "only " + last + " of " + n + " arrived");
        if (!restarted && last > n / 4) {
          redis.stop();
          Thread.sleep(300);
          redis.start();
          restarted = true;
        }
        ByteBuffer m = accepted.receive(Duration.ofMillis(500));
        if (m != null) {
          assertEquals(last + 1, m.getInt(0), "in order, once each");
          last++;
        }
      }
      sending.get(30, TimeUnit.SECONDS);
      assertNull(accepted.receive(Duration.ofMillis(300)), "nothing twice");
      assertTrue(client.isOpen() && accepted.isOpen(), "the pair outlived the restart");
    }
  }
}
