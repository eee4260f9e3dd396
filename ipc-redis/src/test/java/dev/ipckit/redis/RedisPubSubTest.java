package dev.ipckit.redis;

import static org.junit.jupiter.api.Assertions.*;

import dev.ipckit.Channel;
import dev.ipckit.ChannelClosedException;
import dev.ipckit.ChannelServer;
import dev.ipckit.Channels;
import dev.ipckit.InvalidChannelUriException;
import dev.ipckit.IpcException;
import dev.ipckit.MessageTooLargeException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** redis:// pub/sub: buses, patterns, client/server pairs, URIs that are wrong. */
@Timeout(30)
class RedisPubSubTest {
  private static final Duration WAIT = Duration.ofSeconds(5);
  private String base;
  private String name;

  @BeforeEach
  void setUp() throws Exception {
    base = RedisForTests.uri();
    name = RedisForTests.uniqueName("t");
  }

  static ByteBuffer text(String s) {
    return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
  }

  static String text(ByteBuffer b) {
    return b == null ? null : StandardCharsets.UTF_8.decode(b).toString();
  }

  @Test
  void aBusMessageReachesEverySubscriberButNotItsSender() throws Exception {
    String uri = base + "?channel=" + name;
    try (Channel a = Channels.open(uri); Channel b = Channels.open(uri); Channel c = Channels.open(uri)) {
      a.send(text("hello"));
      a.send(ByteBuffer.allocate(0));
      for (Channel r : List.of(b, c)) {
        assertEquals("hello", text(r.receive(WAIT)));
        assertEquals(0, r.receive(WAIT).remaining(), "the empty message is a message");
      }
      assertNull(a.receive(Duration.ofMillis(200)), "a bus channel does not hear itself (echo=false)");
    }
  }

  @Test
  void echoTrueDeliversOwnMessages() throws Exception {
    try (Channel a = Channels.open(base + "?echo=true&channel=" + name)) {
      a.send(text("me"));
      assertEquals("me", text(a.receive(WAIT)));
    }
  }

  @Test
  void manyMessagesArriveInOrderWithoutGaps() throws Exception {
    String uri = base + "?channel=" + name;
    int n = 20_000;
    try (Channel pub = Channels.open(uri); Channel sub = Channels.open(uri)) {
      for (int i = 0; i < n; i++) {
        pub.send(ByteBuffer.allocate(4).putInt(0, i));
      }
      pub.flush();
      for (int i = 0; i < n; i++) {
        ByteBuffer m = sub.receive(WAIT);
        assertNotNull(m, "message " + i + " missing");
        assertEquals(i, m.getInt(0));
      }
      assertEquals(0, ((RedisPubSubChannel) sub).lostMessages());
    }
  }

  @Test
  void pollHandsOutMessagesWithoutCopying() throws Exception {
    String uri = base + "?channel=" + name;
    try (Channel pub = Channels.open(uri); Channel sub = Channels.open(uri)) {
      for (int i = 0; i < 10; i++) {
        pub.send(text("m" + i));
      }
      List<String> got = new ArrayList<>();
      while (got.size() < 10) {
        sub.poll(m -> got.add(text(m)), 100, WAIT);
      }
      assertEquals("m0", got.get(0));
      assertEquals("m9", got.get(9));
    }
  }

  @Test
  void aPatternSubscriptionHearsEveryMatchingChannel() throws Exception {
    try (Channel sub = Channels.open(base + "?pattern=" + name + ".*");
        Channel x = Channels.open(base + "?subscribe=false&channel=" + name + ".x");
        Channel y = Channels.open(base + "?subscribe=false&channel=" + name + ".y")) {
      x.send(text("from x"));
      y.send(text("from y"));
      // two publishers: each one's order is kept, not the order between them
      assertEquals(java.util.Set.of("from x", "from y"),
          java.util.Set.of(text(sub.receive(WAIT)), text(sub.receive(WAIT))));
      var e = assertThrows(IpcException.class, () -> sub.send(text("no")));
      assertTrue(e.getMessage().contains("channel=NAME"), e.getMessage());
      var e2 = assertThrows(IpcException.class, () -> x.receive(Duration.ofMillis(10)));
      assertTrue(e2.getMessage().contains("subscribe=false"), e2.getMessage());
    }
  }

  @Test
  void aServerAcceptsClientsAndTheyTalkBothWays() throws Exception {
    String uri = base + "?server=" + name;
    try (ChannelServer server = Channels.listen(uri);
        Channel c1 = Channels.open(server.uri());
        Channel c2 = Channels.open(server.uri())) {
      Channel s1 = server.accept(WAIT);
      Channel s2 = server.accept(WAIT);
      assertNotNull(s1);
      assertNotNull(s2);
      c1.send(text("one"));
      c2.send(text("two"));
      assertEquals("one", text(s1.receive(WAIT)));
      assertEquals("two", text(s2.receive(WAIT)));
      s1.send(text("back to one"));
      assertEquals("back to one", text(c1.receive(WAIT)));
      assertNull(c2.receive(Duration.ofMillis(200)), "replies are private");
      assertEquals(2, server.broadcast(text("all")));
      assertEquals("all", text(c1.receive(WAIT)));
      assertEquals("all", text(c2.receive(WAIT)));

      long t0 = System.nanoTime();
      c1.close();
      assertThrows(ChannelClosedException.class, () -> s1.receive(WAIT));
      assertTrue(System.nanoTime() - t0 < 1_000_000_000L, "the server learns of the close within 1 s");
      assertFalse(s1.isOpen());
      assertThrows(ChannelClosedException.class, () -> s1.send(text("gone")));
      c1.close(); // idempotent

      s2.close();
      assertThrows(ChannelClosedException.class, () -> c2.receive(WAIT));
      assertThrows(ChannelClosedException.class, () -> c2.send(text("gone")));
    }
  }

  @Test
  void aPairSlowsItsSenderDownInsteadOfDropping() throws Exception {
    String uri = base + "?receiveQueue=64KiB&sendTimeout=300ms&server=" + name;
    try (ChannelServer server = Channels.listen(uri); Channel c = Channels.open(uri)) {
      Channel s = server.accept(WAIT);
      int accepted = 0;
      try {
        while (accepted < 1000) {
          c.send(ByteBuffer.allocate(1024).putInt(0, accepted));
          accepted++;
        }
        fail("1000 KiB accepted for a peer that reads nothing with receiveQueue=64KiB");
      } catch (dev.ipckit.SendTimeoutException e) {
        assertTrue(e.getMessage().contains("has not consumed"), e.getMessage());
      }
      assertTrue(accepted >= 50 && accepted <= 64, "accepted " + accepted);
      for (int i = 0; i < accepted; i++) {
        assertEquals(i, s.receive(WAIT).getInt(0), "nothing was dropped");
      }
      c.send(ByteBuffer.allocate(4).putInt(0, -1)); // room again once the peer has read
      assertEquals(-1, s.receive(WAIT).getInt(0));
      assertEquals(0, ((RedisPubSubChannel) s).lostMessages());
    }
  }

  @Test
  void closingTheServerClosesItsClients() throws Exception {
    String uri = base + "?server=" + name;
    Channel c;
    try (ChannelServer server = Channels.listen(uri)) {
      c = Channels.open(uri);
      assertNotNull(server.accept(WAIT));
    }
    try (c) {
      assertThrows(ChannelClosedException.class, () -> c.receive(WAIT));
    }
  }

  @Test
  void aSilentPeerIsLostAfterThePeerTimeout() throws Exception {
    String uri = base + "?heartbeat=100ms&peerTimeout=500ms&server=" + name;
    try (ChannelServer server = Channels.listen(uri)) {
      // a fake client: says HELLO and then nothing, as a killed process would
      long id = 42;
      try (var c = RedisEndpoint.from(dev.ipckit.ChannelUri.parse(base)).connect()) {
        new redis.clients.jedis.Jedis(c).publish(name.getBytes(StandardCharsets.UTF_8),
            dev.ipckit.redis.internal.Frame.control(dev.ipckit.redis.internal.Frame.HELLO, id, 0));
      }
      Channel s = server.accept(WAIT);
      assertNotNull(s);
      long t0 = System.nanoTime();
      var e = assertThrows(ChannelClosedException.class, () -> s.receive(WAIT));
      long ms = (System.nanoTime() - t0) / 1_000_000;
      assertTrue(e.getMessage().contains("peer lost"), e.getMessage());
      assertTrue(ms >= 300 && ms < 2000, "lost after about 500 ms, took " + ms);
    }
  }

  @Test
  void pingsKeepTheSubscriptionOnOneConnection() throws Exception {
    // regression: with RESP3, Jedis 8 dropped the subscription at every PONG
    try (Channel c = Channels.open(base + "?heartbeat=50ms&peerTimeout=200ms&channel=" + name)) {
      Thread.sleep(600);
      assertEquals(1, ((RedisPubSubChannel) c).subscriptionConnects());
    }
  }

  @Test
  void openingAServerNobodyListensOnIsRefused() throws Exception {
    var e = assertThrows(IpcException.class, () -> Channels.open(base + "?server=" + name).close());
    assertTrue(e.getMessage().contains("connection refused"), e.getMessage());
  }

  @Test
  void twoServersCannotListenOnOneName() throws Exception {
    try (ChannelServer server = Channels.listen(base + "?server=" + name)) {
      var e = assertThrows(IpcException.class, () -> Channels.listen(server.uri()).close());
      assertTrue(e.getMessage().contains("address in use"), e.getMessage());
    }
  }

  @Test
  void oversizeMessagesAreRefusedBeforeSending() throws Exception {
    String uri = base + "?maxMessage=1KiB&channel=" + name;
    try (Channel a = Channels.open(uri); Channel b = Channels.open(uri)) {
      var e = assertThrows(MessageTooLargeException.class, () -> a.send(ByteBuffer.allocate(1025)));
      assertEquals(1025, e.size());
      a.send(ByteBuffer.allocate(1024));
      assertEquals(1024, b.receive(WAIT).remaining());
    }
  }

  @Test
  void sendAfterCloseFailsClearly() throws Exception {
    Channel a = Channels.open(base + "?channel=" + name);
    a.close();
    assertFalse(a.isOpen());
    assertThrows(ChannelClosedException.class, () -> a.send(text("x")));
    assertThrows(ChannelClosedException.class, () -> a.receive(Duration.ofMillis(10)));
    a.close();
  }

  @Test
  void wrongUrisAreExplained() {
    String[][] cases = {
        {base, "say which Redis channel"},
        {base + "?channel=", "is empty"},
        {base + "?channel=a&server=b", "cannot be combined"},
        {base + "?server=b&plain=true", "plain=true"},
        {base + "?chanel=a", "unknown option 'chanel'"},
        {"redis:///0?channel=a", "no host"},
        {base.replaceAll("/\\d+$", "") + "/x?channel=a", "database number"},
        {base + "?channel=a&heartbeat=1s&peerTimeout=1s", "at least twice"},
    };
    for (String[] c : cases) {
      var e = assertThrows(InvalidChannelUriException.class, () -> Channels.open(c[0]).close(), c[0]);
      assertTrue(e.getMessage().contains(c[1]), c[0] + " -> " + e.getMessage());
    }
    var e = assertThrows(InvalidChannelUriException.class, () -> Channels.listen(base + "?channel=a").close());
    assertTrue(e.getMessage().contains("?server=NAME"), e.getMessage());
  }

  @Test
  void anUnreachableRedisIsNamedWithoutItsPassword() throws Exception {
    int port;
    try (var s = new java.net.ServerSocket(0)) {
      port = s.getLocalPort();
    }
    String uri = "redis://:hunter2@127.0.0.1:" + port + "/0?connectTimeout=1s&channel=x";
    var e = assertThrows(IpcException.class, () -> Channels.open(uri).close());
    assertTrue(e.getMessage().contains("127.0.0.1:" + port), e.getMessage());
    assertFalse(e.getMessage().contains("hunter2"), e.getMessage());
  }

  @Test
  void aPublishRedisRefusesIsReportedToTheSender() throws Exception {
    try (LocalRedis own = RedisForTests.ownServer()) {
      try (redis.clients.jedis.Jedis admin = new redis.clients.jedis.Jedis(java.net.URI.create(own.uri()))) {
        admin.aclSetUser("listener", "on", ">secret", "allchannels", "allkeys", "+@all", "-publish");
      }
      String listener = own.uri().replace("redis://", "redis://listener:secret@");
      try (Channel bus = Channels.open(listener + "?channel=" + name)) {
        bus.send(text("refused"));
        bus.flush(); // the reply has been read
        var e = assertThrows(IpcException.class, () -> bus.send(text("next")));
        assertTrue(e.getMessage().contains("refused to PUBLISH") && e.getMessage().contains("NOPERM"), e.getMessage());
        assertFalse(e.getMessage().contains("secret"), e.getMessage());
      }
      try (ChannelServer server = Channels.listen(own.uri() + "?server=" + name)) {
        var e = assertThrows(IpcException.class, () -> Channels.open(listener + "?server=" + name).close());
        assertTrue(e.getMessage().contains("cannot say hello") && e.getMessage().contains("NOPERM"), e.getMessage());
      }
    }
  }

  @Test
  void aSubscriptionRedisRefusesIsExplained() throws Exception {
    try (LocalRedis own = RedisForTests.ownServer()) {
      try (redis.clients.jedis.Jedis admin = new redis.clients.jedis.Jedis(java.net.URI.create(own.uri()))) {
        admin.aclSetUser("talker", "on", ">secret", "allchannels", "allkeys", "+@all", "-subscribe");
      }
      String uri = own.uri().replace("redis://", "redis://talker:secret@") + "?connectTimeout=1s&channel=" + name;
      var e = assertThrows(IpcException.class, () -> Channels.open(uri).close());
      assertTrue(e.getMessage().contains("cannot subscribe") && e.getMessage().contains("NOPERM"), e.getMessage());
      String publishOnly = uri + "&subscribe=false";
      try (Channel c = Channels.open(publishOnly)) {
        c.send(text("allowed"));
        c.flush();
      }
    }
  }

  @Test
  void redactHidesPasswords() {
    assertEquals("redis://:***@h:1/0?x=1", RedisEndpoint.redact("redis://:pw@h:1/0?x=1"));
    assertEquals("redis://user:***@h:1/0", RedisEndpoint.redact("redis://user:pw@h:1/0"));
    assertEquals("rediss://***@h", RedisEndpoint.redact("rediss://pw@h"));
    assertEquals("redis://h:1/0?channel=a@b", RedisEndpoint.redact("redis://h:1/0?channel=a@b"));
  }
}
