package dev.ipckit.redis;

import static dev.ipckit.redis.RedisPubSubTest.text;
import static org.junit.jupiter.api.Assertions.*;

import dev.ipckit.Channel;
import dev.ipckit.ChannelUri;
import dev.ipckit.Channels;
import dev.ipckit.redis.internal.Frame;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import redis.clients.jedis.Connection;
import redis.clients.jedis.Jedis;

/** Lost messages are reported where they were lost, with how many. */
@Timeout(30)
class RedisGapTest {
  private static final Duration WAIT = Duration.ofSeconds(5);
  private String base;
  private String name;

  @BeforeEach
  void setUp() throws Exception {
    base = RedisForTests.uri();
    name = RedisForTests.uniqueName("g");
  }

  private static byte[] data(long publisher, long seq, String payload) {
    byte[] f = Frame.data(publisher, ByteBuffer.wrap(payload.getBytes(StandardCharsets.UTF_8)));
    Frame.setSeq(f, seq);
    return f;
  }

  @Test
  void missingSequenceNumbersAreReportedOnceAtTheirPlace() throws Exception {
    try (Channel sub = Channels.open(base + "?channel=" + name);
        Connection c = RedisEndpoint.from(ChannelUri.parse(base)).connect()) {
      Jedis raw = new Jedis(c);
      byte[] ch = name.getBytes(StandardCharsets.UTF_8);
      raw.publish(ch, data(7, 10, "a")); // first seen mid-stream on a bus: no gap
      raw.publish(ch, data(7, 11, "b"));
      raw.publish(ch, data(7, 14, "e")); // 12 and 13 lost
      raw.publish(ch, data(7, 14, "e again")); // a duplicate is dropped
      raw.publish(ch, data(9, 1, "other")); // another publisher has its own numbers
      raw.publish(ch, Frame.control(Frame.HEARTBEAT, 7, 17)); // 15..17 lost after the last one seen

      assertEquals("a", text(sub.receive(WAIT)));
      assertEquals("b", text(sub.receive(WAIT)));
      var gap = assertThrows(MessageGapException.class, () -> sub.receive(WAIT));
      assertEquals(2, gap.lost());
      assertTrue(gap.getMessage().contains("2 messages were lost"), gap.getMessage());
      assertEquals("e", text(sub.receive(WAIT)));
      assertEquals("other", text(sub.receive(WAIT)));
      assertEquals(3, assertThrows(MessageGapException.class, () -> sub.receive(WAIT)).lost());
      assertNull(sub.receive(Duration.ofMillis(200)));
      assertEquals(5, ((RedisPubSubChannel) sub).lostMessages());
    }
  }

  @Test
  void pollStopsBeforeAGapAndThrowsItNext() throws Exception {
    try (Channel sub = Channels.open(base + "?channel=" + name);
        Connection c = RedisEndpoint.from(ChannelUri.parse(base)).connect()) {
      Jedis raw = new Jedis(c);
      byte[] ch = name.getBytes(StandardCharsets.UTF_8);
      raw.publish(ch, data(7, 1, "a"));
      raw.publish(ch, data(7, 3, "c"));
      Thread.sleep(200);
      StringBuilder got = new StringBuilder();
      assertEquals(1, sub.poll(m -> got.append(text(m)), 10, WAIT));
      assertEquals(1, assertThrows(MessageGapException.class, () -> sub.poll(m -> { }, 10, WAIT)).lost());
      assertEquals(1, sub.poll(m -> got.append(text(m)), 10, WAIT));
      assertEquals("ac", got.toString());
    }
  }

  @Test
  void aFullReceiveQueueDropsTheNewestAndSaysHowMany() throws Exception {
    String uri = base + "?receiveQueue=4KiB&channel=" + name;
    try (Channel pub = Channels.open(uri); Channel sub = Channels.open(uri)) {
      for (int i = 0; i < 10; i++) {
        pub.send(ByteBuffer.allocate(1024).putInt(0, i));
      }
      pub.flush();
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (((RedisPubSubChannel) sub).lostMessages() < 6 && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      for (int i = 0; i < 4; i++) {
        assertEquals(i, sub.receive(WAIT).getInt(0));
      }
      assertEquals(6, assertThrows(MessageGapException.class, () -> sub.receive(WAIT)).lost());
      pub.send(ByteBuffer.allocate(4).putInt(0, 10));
      assertEquals(10, sub.receive(WAIT).getInt(0), "the channel goes on after a gap");
    }
  }

  @Test
  void aPairCountsFromTheFirstMessage() throws Exception {
    // the server side of a pair knows its client from HELLO: a lost first message is a gap too
    try (var server = Channels.listen(base + "?server=" + name);
        Connection c = RedisEndpoint.from(ChannelUri.parse(base)).connect()) {
      Jedis raw = new Jedis(c);
      byte[] ch = name.getBytes(StandardCharsets.UTF_8);
      raw.publish(ch, Frame.control(Frame.HELLO, 5, 0));
      Channel s = server.accept(WAIT);
      raw.publish(ch, data(5, 2, "second"));
      assertEquals(1, assertThrows(MessageGapException.class, () -> s.receive(WAIT)).lost());
      assertEquals("second", text(s.receive(WAIT)));
    }
  }
}
