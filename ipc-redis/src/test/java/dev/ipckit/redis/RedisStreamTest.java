package dev.ipckit.redis;

import static dev.ipckit.redis.RedisPubSubTest.text;
import static org.junit.jupiter.api.Assertions.*;

import dev.ipckit.Channel;
import dev.ipckit.Channels;
import dev.ipckit.InvalidChannelUriException;
import dev.ipckit.tests.ChildJvm;
import java.io.File;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import redis.clients.jedis.CommandArguments;
import redis.clients.jedis.Connection;
import redis.clients.jedis.Protocol;

/** Streams with consumer groups: redis-cli interop, trimming, restarts and a killed consumer. */
@Timeout(60)
class RedisStreamTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private String base;
  private String name;

  @BeforeEach
  void setUp() throws Exception {
    base = RedisForTests.uri().replaceFirst("^redis", "redis-stream");
    name = RedisForTests.uniqueName("s");
  }

  private static ByteBuffer number(int i) {
    return ByteBuffer.allocate(4).putInt(0, i);
  }

  private Object redis(Object... args) throws Exception {
    RedisEndpoint e = RedisEndpoint.from(dev.ipckit.ChannelUri.parse(base));
    try (Connection c = e.connect()) {
      CommandArguments a = new CommandArguments(Protocol.Command.valueOf((String) args[0]));
      for (int i = 1; i < args.length; i++) {
        a.add(String.valueOf(args[i]));
      }
      return c.executeCommand(a);
    }
  }

  @Test
  void anEntryAddedWithRedisCliArrives() throws Exception {
    String cli = RedisForTests.redisCli();
    try (Channel ch = Channels.open(base + "?stream=" + name + "&group=g&consumer=c")) {
      Process p = new ProcessBuilder(cli, "-u", RedisForTests.uri(), "XADD", name, "*", "d", "hello from redis-cli")
          .redirectErrorStream(true).start();
      assertTrue(p.waitFor(10, TimeUnit.SECONDS));
      String id = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      assertTrue(id.matches("\\d+-\\d+"), "XADD answered " + id);
      assertEquals("hello from redis-cli", text(ch.receive(WAIT)));
      Process other = new ProcessBuilder(cli, "-u", RedisForTests.uri(), "XADD", name, "*", "x", "not a message")
          .redirectErrorStream(true).start();
      assertTrue(other.waitFor(10, TimeUnit.SECONDS));
      ch.send(text("from ipckit"));
      assertEquals("from ipckit", text(ch.receive(WAIT)), "an entry without a d field is skipped");
      ch.receive(Duration.ofMillis(200)); // comes back: acknowledges what it returned
      assertEquals(0L, ((List<?>) redis("XPENDING", name, "g")).get(0), "every entry acknowledged");
    }
  }

  @Test
  void maxLenTrimsTheStream() throws Exception {
    try (Channel ch = Channels.open(base + "?to=" + name + "&receive=false&maxLen=100")) {
      for (int i = 0; i < 3000; i++) {
        ch.send(number(i));
      }
      ch.flush();
      long len = (Long) redis("XLEN", name);
      // MAXLEN ~ trims whole radix-tree nodes (100 entries each by default): a little over 100 stay
      assertTrue(len >= 100 && len <= 300, "XLEN " + len + " after 3000 XADDs with maxLen=100");
    } finally {
      redis("DEL", name);
    }
  }

  @Test
  void aRestartedConsumerResumesItsOwnPendingEntriesFirst() throws Exception {
    String uri = base + "?stream=" + name + "&group=g&consumer=c1&claimAfter=0";
    try (Channel producer = Channels.open(base + "?to=" + name + "&receive=false")) {
      for (int i = 1; i <= 10; i++) {
        producer.send(number(i));
      }
      producer.flush();
    }
    try (Channel first = Channels.open(uri)) {
      for (int i = 1; i <= 3; i++) {
        assertEquals(i, first.receive(WAIT).getInt(0));
      }
      // read ahead: the other 7 were handed to c1 by XREADGROUP and are pending, never returned
    }
    assertEquals(7L, ((List<?>) redis("XPENDING", name, "g")).get(0), "close acknowledged the 3 returned");
    try (Channel again = Channels.open(uri)) {
      for (int i = 4; i <= 10; i++) {
        assertEquals(i, again.receive(WAIT).getInt(0), "c1's own pending entries, in order, once");
      }
      assertNull(again.receive(Duration.ofMillis(300)));
    } finally {
      redis("DEL", name);
    }
  }

  @Test
  void theEntriesOfAKilledConsumerAreClaimedByAnother() throws Exception {
    int n = 2000;
    String group = "?stream=" + name + "&group=workers&claimAfter=500ms&count=200";
    try (Channel producer = Channels.open(base + "?to=" + name + "&receive=false&maxLen=0")) {
      File log = ChildJvm.newLogFile(StreamConsumerMain.class);
      Process child = ChildJvm.start(StreamConsumerMain.class, List.of(), log, base + group + "&consumer=doomed");
      try {
        awaitLine(log, "ready", child);
        for (int i = 0; i < n; i++) {
          producer.send(number(i));
        }
        producer.flush();
        awaitLine(log, "got 100", child);
        child.destroyForcibly(); // SIGKILL mid-stream, with entries read ahead and not acknowledged
        assertTrue(child.waitFor(10, TimeUnit.SECONDS));
      } finally {
        child.destroyForcibly();
      }
      BitSet seen = new BitSet(n);
      for (String line : Files.readAllLines(log.toPath())) {
        if (line.startsWith("got ")) {
          seen.set(Integer.parseInt(line.substring(4)));
        }
      }
      int before = seen.cardinality();
      long pending = (Long) ((List<?>) redis("XPENDING", name, "workers")).get(0);
      assertTrue(pending > 0, "the killed consumer left entries pending");
      try (Channel survivor = Channels.open(base + group + "&consumer=survivor")) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (seen.cardinality() < n && System.nanoTime() < deadline) {
          ByteBuffer m = survivor.receive(Duration.ofSeconds(2));
          if (m != null) {
            seen.set(m.getInt(0));
          }
        }
        survivor.receive(Duration.ofMillis(100)); // acknowledges the last one
        assertEquals(n, seen.cardinality(), "every message was taken by the killed consumer or the survivor; "
            + before + " by the killed one");
        assertEquals(0L, ((List<?>) redis("XPENDING", name, "workers")).get(0),
            "the killed consumer's " + pending + " pending entries were claimed (only the survivor could ack them)");
      }
    } finally {
      redis("DEL", name);
    }
  }

  @Test
  void aGroupStartsAtTheEntryStartNames() throws Exception {
    for (String id : List.of("5-1", "6-0", "6-1", "7-0")) { // 6-0: the one before it is 5-<max seq>
      redis("XADD", name, id, "d", id);
    }
    try {
      assertEquals(List.of("6-0", "6-1", "7-0"), readAll("at6", "6-0"), "start=<ms>-0");
      assertEquals(List.of("6-0", "6-1", "7-0"), readAll("at6ms", "6"), "start=<ms> is <ms>-0");
      assertEquals(List.of("6-1", "7-0"), readAll("at61", "6-1"));
      assertEquals(List.of("5-1", "6-0", "6-1", "7-0"), readAll("at0", "0-0"), "0-0: the beginning");
      try (Channel ch = Channels.open(base + "?stream=" + name + "&group=polled&consumer=c&start=6-1")) {
        assertNull(((RedisStreamChannel) ch).lastDeliveredId(), "nothing delivered yet");
        ch.receive(WAIT);
        assertEquals("6-1", ((RedisStreamChannel) ch).lastDeliveredId());
        assertEquals(1, ch.poll(m -> {}, 10, WAIT));
        assertEquals("7-0", ((RedisStreamChannel) ch).lastDeliveredId());
      }
    } finally {
      redis("DEL", name);
    }
  }

  /** Everything a new group created at {@code start} reads, as the entries' payloads (their ids). */
  private List<String> readAll(String group, String start) throws Exception {
    List<String> got = new java.util.ArrayList<>();
    try (Channel ch = Channels.open(base + "?stream=" + name + "&group=" + group + "&consumer=c&start=" + start)) {
      for (ByteBuffer m; (m = ch.receive(Duration.ofMillis(500))) != null; ) {
        String id = text(m);
        got.add(id);
        assertEquals(id, ((RedisStreamChannel) ch).lastDeliveredId(), "lastDeliveredId after receive");
      }
    }
    return got;
  }

  @Test
  void badUrisAreRefusedWithTheReason() {
    var e = assertThrows(InvalidChannelUriException.class, () -> Channels.open(base));
    assertTrue(e.getMessage().contains("stream=NAME"), e.getMessage());
    e = assertThrows(InvalidChannelUriException.class, () -> Channels.open(base + "?stream=a&start=middle"));
    assertTrue(e.getMessage().contains("start=middle"), e.getMessage());
    e = assertThrows(InvalidChannelUriException.class, () -> Channels.open(base + "?stream=a&start=1-99999999999999999999"));
    assertTrue(e.getMessage().contains("out of range"), e.getMessage());
  }

  private static void awaitLine(File log, String line, Process child) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      if (Files.exists(log.toPath()) && Files.readAllLines(log.toPath()).contains(line)) {
        return;
      }
      assertTrue(child.isAlive(), "the consumer exited: " + Files.readString(log.toPath()));
      Thread.sleep(20);
    }
    fail("no '" + line + "' from the consumer within 30 s: " + Files.readString(log.toPath()));
  }
}
