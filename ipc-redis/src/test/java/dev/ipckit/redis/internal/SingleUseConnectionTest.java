package dev.ipckit.redis.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ipckit.ChannelUri;
import dev.ipckit.redis.RedisEndpoint;
import dev.ipckit.redis.RedisForTests;
import dev.ipckit.tests.LeakCheck;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import redis.clients.jedis.BinaryJedisPubSub;
import redis.clients.jedis.Connection;
import redis.clients.jedis.exceptions.JedisConnectionException;

/**
 * The interleaving behind a socket that outlived a closed pub/sub server: the ticker's
 * subscription ping passed its checks just before the subscriber was closed, and sent PING after.
 * A plain Jedis connection opened a new socket for it that nobody closed.
 */
@Timeout(30)
class SingleUseConnectionTest {
  @Test
  void aPingAfterTheSubscriberClosedItsConnectionOpensNoSocket() throws Exception {
    RedisEndpoint endpoint = RedisEndpoint.from(ChannelUri.parse(RedisForTests.uri()));
    Connection c = endpoint.connect();
    BinaryJedisPubSub pubsub = new BinaryJedisPubSub() {};
    Thread subscriber = new Thread(() -> {
      try {
        pubsub.proceed(c, "single-use-test".getBytes(StandardCharsets.UTF_8));
      } catch (JedisConnectionException expected) {
        // the connection was closed under it, as Subscriber.close does
      }
    }, "test-subscriber");
    subscriber.start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!pubsub.isSubscribed() && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertTrue(pubsub.isSubscribed(), "not subscribed within 10 s");

    c.close();
    subscriber.join(10_000);
    assertFalse(subscriber.isAlive(), "the subscriber thread did not end when its connection was closed");
    int sockets = LeakCheck.fdKinds().getOrDefault("socket", 0);

    assertThrows(JedisConnectionException.class, pubsub::ping, "a ping on a closed connection");
    assertFalse(c.isConnected(), "the closed connection was opened again");
    assertEquals(sockets, LeakCheck.fdKinds().getOrDefault("socket", 0), "socket descriptors after the late ping");
  }
}
