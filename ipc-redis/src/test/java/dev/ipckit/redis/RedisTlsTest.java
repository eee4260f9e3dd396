package dev.ipckit.redis;

import static dev.ipckit.redis.RedisPubSubTest.text;
import static org.junit.jupiter.api.Assertions.*;

import dev.ipckit.Channel;
import dev.ipckit.Channels;
import dev.ipckit.InvalidChannelUriException;
import dev.ipckit.IpcException;
import dev.ipckit.TransportUnavailableException;
import dev.ipckit.redis.session.SessionStore;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** rediss:// against a real redis-server serving TLS with a throwaway CA. */
@Timeout(60)
class RedisTlsTest {
  @TempDir
  static Path dir;
  private static TestCertificates certs;
  private static LocalRedis redis;

  @BeforeAll
  static void startTlsServer() throws Exception {
    certs = TestCertificates.generate(dir.resolve("good"));
    try {
      redis = LocalRedis.builder().sources(LocalRedis.Source.PATH).tls(certs.cert(), certs.key(), certs.ca()).start();
    } catch (TransportUnavailableException e) {
      RedisForTests.unavailable(e.getMessage());
    }
  }

  @AfterAll
  static void stop() {
    if (redis != null) {
      redis.close();
    }
  }

  @Test
  void aPubSubMessageAndASessionRoundTripOverTls() throws Exception {
    assertTrue(redis.uri().startsWith("rediss://127.0.0.1:"), redis.uri());
    String uri = redis.uri() + "?tlsCa=" + certs.ca() + "&channel=tls";
    try (Channel a = Channels.open(uri); Channel b = Channels.open(uri)) {
      a.send(ByteBuffer.wrap("over TLS".getBytes(StandardCharsets.UTF_8)));
      assertEquals("over TLS", text(b.receive(Duration.ofSeconds(10))));
    }
    try (SessionStore sessions = SessionStore.open(redis.uri() + "?tlsCa=" + certs.ca())) {
      String id = sessions.create();
      sessions.set(id, "user", "ada");
      assertEquals("ada", sessions.getString(id, "user").orElseThrow());
      sessions.invalidate(id);
    }
  }

  @Test
  void aServerSignedByAnotherCaIsRefusedWithAClearError() throws Exception {
    TestCertificates other = TestCertificates.generate(dir.resolve("other"));
    String uri = redis.uri() + "?connectTimeout=3s&tlsCa=" + other.ca();
    var e = assertThrows(TransportUnavailableException.class, () -> SessionStore.open(uri));
    assertTrue(e.getMessage().contains("TLS") && e.getMessage().contains("tlsCa")
        && e.getMessage().contains(redis.uri().replace("rediss://", "")), e.getMessage());
    var e2 = assertThrows(IpcException.class, () -> Channels.open(uri + "&channel=tls"));
    assertTrue(e2.getMessage().contains("SSLHandshakeException") && e2.getMessage().contains("trust anchors"), e2.getMessage());
  }

  @Test
  void withoutTheCaTheJvmTrustStoreRefusesTheServer() {
    var e = assertThrows(TransportUnavailableException.class,
        () -> SessionStore.open(redis.uri() + "?connectTimeout=3s"));
    assertTrue(e.getMessage().contains("TLS"), e.getMessage());
  }

  @Test
  void tlsCaIsOnlyForRediss() {
    var e = assertThrows(InvalidChannelUriException.class,
        () -> SessionStore.open("redis://127.0.0.1:1/0?tlsCa=" + certs.ca()));
    assertTrue(e.getMessage().contains("rediss://"), e.getMessage());
    assertThrows(InvalidChannelUriException.class,
        () -> SessionStore.open("rediss://127.0.0.1:1/0?tlsCa=" + dir.resolve("missing.pem")));
  }
}
