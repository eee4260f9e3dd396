package dev.ipckit.redis;

import static org.junit.jupiter.api.Assertions.*;

import dev.ipckit.ChannelUri;
import dev.ipckit.TransportUnavailableException;
import dev.ipckit.tests.ChildJvm;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import redis.clients.jedis.Jedis;

/** Each discovery path of {@link LocalRedis}, forced on its own, against a real server. */
@Timeout(90)
class LocalRedisTest {

  @Test
  void aRedisServerOnThePathStartsStopsRestartsOnTheSamePortAndLeavesNothing() throws Exception {
    LocalRedis.onPath("redis-server").orElseGet(() -> RedisForTests.unavailable("no redis-server on the PATH"));
    exerciseOwnServer(LocalRedis.Source.PATH, "from the PATH");
  }

  @Test
  void theEmbeddedRedisBinaryRunsWithoutLeavingTmpRedisDirectories() throws Exception {
    Set<String> before = tmpRedisDirs();
    String description = exerciseOwnServer(LocalRedis.Source.EMBEDDED, "from the embedded-redis jar");
    assertTrue(description.contains("redis-server 6.2"), description);
    assertEquals(before, tmpRedisDirs(), "embedded-redis's own /tmp/redis-* extraction must not happen");
  }

  private static String exerciseOwnServer(LocalRedis.Source source, String where) throws Exception {
    String uri;
    String description;
    try (LocalRedis redis = LocalRedis.builder().sources(source).start()) {
      uri = redis.uri();
      description = redis.description();
      assertEquals(source, redis.source());
      assertTrue(redis.restartable());
      assertTrue(description.contains(where), description);
      assertTrue(uri.matches("redis://127\\.0\\.0\\.1:\\d+/0"), uri);
      assertEquals("PONG", ping(uri));

      redis.stop();
      assertThrows(Exception.class, () -> ping(uri), "a stopped server must not answer");
      redis.start();
      assertEquals(uri, redis.uri());
      assertEquals("PONG", ping(uri));
      assertEquals(1, serverProcesses(uri).size());
    }
    assertEquals(List.of(), serverProcesses(uri), "close() must stop the server");
    return description;
  }

  @Test
  void testcontainersIsPassedOverQuicklyWithoutADockerEngine() throws Exception {
    long t0 = System.nanoTime();
    try (LocalRedis redis = LocalRedis.builder().sources(LocalRedis.Source.TESTCONTAINERS).start()) {
      // a Docker engine answered: the container must then be a working server
      assertEquals(LocalRedis.Source.TESTCONTAINERS, redis.source());
      assertEquals("PONG", ping(redis.uri()));
      return;
    } catch (TransportUnavailableException e) {
      long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      assertTrue(e.getMessage().contains("TESTCONTAINERS: Testcontainers finds no Docker engine"), e.getMessage());
      // ~0.4 s measured on an idle machine; the bound only catches a hang or a long retry loop
      assertTrue(ms < 20_000, "took " + ms + " ms to give up on Docker");
    }
  }

  @Test
  void redisUrlIsUsedAsItIsAndCannotBeStopped() throws Exception {
    try (LocalRedis real = RedisForTests.ownServer(LocalRedis.Source.PATH)) {
      File log = ChildJvm.newLogFile(Probe.class);
      ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-cp", System.getProperty("java.class.path"), Probe.class.getName())
          .redirectErrorStream(true).redirectOutput(log);
      pb.environment().put("REDIS_URL", real.uri() + "/");
      Process p = pb.start();
      try {
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the probe did not finish");
        String out = Files.readString(log.toPath());
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("REDIS_URL " + real.uri() + " PONG not-restartable"), out);
      } finally {
        p.destroyForcibly();
      }
    }
  }

  @Test
  void withNoSourceTheErrorSaysWhyForEach() {
    var e = assertThrows(TransportUnavailableException.class, () -> LocalRedis.builder()
        .sources(LocalRedis.Source.EMBEDDED).tls(Path.of("c"), Path.of("k"), Path.of("ca")).start());
    assertTrue(e.getMessage().startsWith("no Redis server: EMBEDDED: TLS is only offered"), e.getMessage());
    assertTrue(e.getMessage().contains("REDIS_URL="), e.getMessage());
  }

  /** Child JVM main: prints what LocalRedis.shared() found. */
  public static final class Probe {
    public static void main(String[] args) throws Exception {
      LocalRedis r = LocalRedis.shared();
      String restart;
      try {
        r.stop();
        restart = "stopped!";
      } catch (UnsupportedOperationException e) {
        restart = "not-restartable";
      }
      System.out.println(r.source() + " " + r.uri() + " " + ping(r.uri()) + " " + restart);
    }
  }

  static String ping(String uri) throws Exception {
    RedisEndpoint e = RedisEndpoint.from(ChannelUri.parse(uri));
    try (Jedis j = new Jedis(e.hostAndPort(), e.config())) {
      return j.ping();
    }
  }

  private static List<ProcessHandle> serverProcesses(String uri) {
    String port = uri.replaceAll(".*:(\\d+)/0$", "$1");
    return ProcessHandle.current().children()
        .filter(ProcessHandle::isAlive)
        .filter(h -> cmdline(h.pid()).contains(":" + port))
        .toList();
  }

  /** What /proc says (ProcessHandle.info() does not see it: redis-server rewrites its own to "redis-server 127.0.0.1:PORT"). */
  private static String cmdline(long pid) {
    try {
      return Files.readString(Path.of("/proc", Long.toString(pid), "cmdline"));
    } catch (java.io.IOException e) {
      return "";
    }
  }

  private static Set<String> tmpRedisDirs() throws Exception {
    try (Stream<Path> s = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
      return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("redis-")).collect(Collectors.toSet());
    }
  }
}
