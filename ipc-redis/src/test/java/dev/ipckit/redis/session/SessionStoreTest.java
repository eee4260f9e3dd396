package dev.ipckit.redis.session;

import static org.junit.jupiter.api.Assertions.*;

import dev.ipckit.InvalidChannelUriException;
import dev.ipckit.IpcException;
import dev.ipckit.TransportUnavailableException;
import dev.ipckit.redis.LocalRedis;
import dev.ipckit.redis.RedisForTests;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** SessionStore against a real Redis, in one process (SessionProcessTest has the multi-process ones). */
@Timeout(60)
class SessionStoreTest {

  private static String uri(String options) {
    return RedisForTests.uri() + "?prefix=t" + System.nanoTime() + ":" + (options.isEmpty() ? "" : "&" + options);
  }

  @Test
  void createReadWriteIncrementRemoveInvalidate() throws Exception {
    try (SessionStore store = SessionStore.open(uri(""))) {
      String id = store.create();
      assertTrue(id.matches("[A-Za-z0-9_-]{22}"), id);
      assertEquals(0, store.read(id).orElseThrow().size(), "a new session has no attributes");

      store.set(id, "user", "ada");
      store.set(id, "blob", new byte[] {0, (byte) 0xff, 7});
      assertEquals("ada", store.getString(id, "user").orElseThrow());
      assertArrayEquals(new byte[] {0, (byte) 0xff, 7}, store.get(id, "blob").orElseThrow());
      assertTrue(store.get(id, "missing").isEmpty());
      assertEquals(5, store.increment(id, "n", 5));
      assertEquals(3, store.increment(id, "n", -2));
      assertEquals(Set.of("user", "blob", "n"), store.read(id).orElseThrow().keySet());
      assertTrue(store.remove(id, "blob"));
      assertFalse(store.remove(id, "blob"));

      assertTrue(store.invalidate(id));
      assertFalse(store.invalidate(id));
      assertTrue(store.read(id).isEmpty());
      var e = assertThrows(UnknownSessionException.class, () -> store.set(id, "user", "x"));
      assertFalse(e.getMessage().contains(id), "the full id is a secret: " + e.getMessage());
      assertEquals(id, e.id());
      assertThrows(UnknownSessionException.class, () -> store.increment(id, "n", 1));
      assertTrue(store.read(id).isEmpty(), "a write to a dead session must not bring it back");
    }
  }

  @Test
  void idsAreUnique() throws Exception {
    try (SessionStore store = SessionStore.open(uri("ttl=10s"))) {
      Set<String> ids = new HashSet<>();
      for (int i = 0; i < 200; i++) {
        assertTrue(ids.add(store.create()));
      }
    }
  }

  @Test
  void theTtlSlidesWithEachAccessAndThenExpires() throws Exception {
    try (SessionStore store = SessionStore.open(uri("ttl=1500ms"))) {
      String id = store.create();
      long t0 = System.nanoTime();
      // touched every 300 ms for 3 s: twice the TTL, alive all along
      while (System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(3)) {
        assertTrue(store.read(id).isPresent(), "expired although touched every 300 ms");
        Thread.sleep(300);
      }
      store.set(id, "k", "v");
      long left = System.nanoTime();
      // untouched: gone after the TTL (polled, not slept: the bound is generous for a loaded machine)
      while (store.exists(id)) {
        assertTrue(System.nanoTime() - left < TimeUnit.SECONDS.toNanos(20), "never expired");
        Thread.sleep(100);
      }
      assertTrue(System.nanoTime() - left >= TimeUnit.MILLISECONDS.toNanos(1400), "expired early");
    }
  }

  @Test
  void theIndexListenerReportsEachExpiryOnceAndNotInvalidations() throws Exception {
    String uri = uri("ttl=500ms&expiryPoll=100ms");
    try (SessionStore store = SessionStore.open(uri); SessionStore other = SessionStore.open(uri)) {
      BlockingQueue<String> seen = new LinkedBlockingQueue<>();
      BlockingQueue<String> seenByOther = new LinkedBlockingQueue<>();
      try (var l1 = store.onExpiry(seen::add); var l2 = other.onExpiry(seenByOther::add)) {
        String a = store.create();
        String b = store.create();
        store.invalidate(b);
        assertEquals(a, seen.poll(20, TimeUnit.SECONDS));
        assertEquals(a, seenByOther.poll(20, TimeUnit.SECONDS), "every listener hears of it");
        assertNull(seen.poll(1500, TimeUnit.MILLISECONDS), "reported twice, or an invalidation reported");
      }
    }
  }

  @Test
  void keyspaceNotificationsWhenTheServerHasThemOn() throws Exception {
    try (LocalRedis redis = RedisForTests.ownServer(LocalRedis.Source.PATH, "--notify-keyspace-events", "Ex");
         SessionStore store = SessionStore.open(redis.uri() + "?ttl=300ms&expiryEvents=notify")) {
      BlockingQueue<String> seen = new LinkedBlockingQueue<>();
      try (var l = store.onExpiry(seen::add)) {
        String id = store.create();
        assertEquals(id, seen.poll(20, TimeUnit.SECONDS));
      }
    }
  }

  @Test
  void keyspaceNotificationsOffGiveAClearErrorNamingTheSetting() throws Exception {
    try (SessionStore store = SessionStore.open(uri("expiryEvents=notify"))) {
      var e = assertThrows(IpcException.class, () -> store.onExpiry(id -> { }));
      assertTrue(e.getMessage().contains("notify-keyspace-events=''")
          && e.getMessage().contains("expiryEvents=index"), e.getMessage());
    }
  }

  @Test
  void redisDownGivesTransportUnavailableNamingTheAddress() throws Exception {
    LocalRedis redis = RedisForTests.ownServer(LocalRedis.Source.PATH);
    try (redis; SessionStore store = SessionStore.open(redis.uri() + "?connectTimeout=1s")) {
      String id = store.create();
      redis.stop();
      var e = assertThrows(TransportUnavailableException.class, () -> store.read(id));
      String where = redis.uri().replace("redis://", "");
      assertTrue(e.getMessage().contains(where) && e.getMessage().contains("unreachable"), e.getMessage());
      redis.start();
      assertTrue(store.read(id).isEmpty(), "a restarted server without persistence has lost the session");
      assertNotNull(store.create(), "the store works again once Redis is back");
    }
    var e = assertThrows(TransportUnavailableException.class,
        () -> SessionStore.open(redis.uri() + "?connectTimeout=1s"));
    assertTrue(e.getMessage().contains(redis.uri().replace("redis://", "")), e.getMessage());
  }

  @Test
  void badUrisAreRejectedByName() {
    var e = assertThrows(InvalidChannelUriException.class, () -> SessionStore.open("redis://127.0.0.1:1/0?tll=5m"));
    assertTrue(e.getMessage().contains("'tll'"), e.getMessage());
    assertThrows(InvalidChannelUriException.class, () -> SessionStore.open("tcp://127.0.0.1:1"));
    assertThrows(InvalidChannelUriException.class, () -> SessionStore.open("redis://127.0.0.1:1/0?expiryEvents=x"));
  }

  static String text(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }

}
