package dev.ipckit.redis;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;

/**
 * The Redis server the tests use, found in the order of DESIGN.md section 8: {@code REDIS_URL};
 * else a {@code redis-server} on the PATH, started once per test JVM on a free port and stopped
 * (its files removed) when the JVM exits. Without either, tests are skipped with the reason
 * locally and <b>fail</b> under CI ({@code CI} set), where Redis must be installed.
 */
final class RedisForTests {
  static final String HOW_TO_INSTALL = "no Redis for the tests: set REDIS_URL=redis://host:port/db, or put"
      + " redis-server on the PATH (Debian/Ubuntu: apt-get install -y redis-server)";

  private static String uri;
  private static RedisServerProcess process;
  private static IOException failure;

  private RedisForTests() {}

  /** The base URI of the shared test server, e.g. {@code redis://127.0.0.1:40123/0}. */
  static synchronized String uri() throws IOException {
    if (uri != null) {
      return uri;
    }
    String env = System.getenv("REDIS_URL");
    if (env != null && !env.isBlank()) {
      uri = env.replaceAll("/+$", "");
      return uri;
    }
    requireBinary();
    if (failure != null) {
      throw failure;
    }
    try {
      process = RedisServerProcess.startNew();
    } catch (IOException e) {
      failure = e;
      throw e;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(process::close, "redis-test-server-stop"));
    uri = process.uri();
    return uri;
  }

  /** A server of the test's own that it may stop and restart; needs redis-server on the PATH. */
  static RedisServerProcess ownServer() throws IOException {
    requireBinary();
    return RedisServerProcess.startNew();
  }

  /** Skips (locally) or fails (in CI) when there is no redis-server binary. */
  static void requireBinary() {
    boolean have = RedisServerProcess.findBinary().isPresent();
    if (!have && System.getenv("CI") != null) {
      throw new AssertionError(HOW_TO_INSTALL + " (CI must not skip the Redis tests)");
    }
    assumeTrue(have, HOW_TO_INSTALL);
  }

  /** Skips (locally) or fails (in CI) without {@code redis-cli}. */
  static String redisCli() {
    String path = System.getenv().getOrDefault("PATH", "");
    for (String d : path.split(java.io.File.pathSeparator)) {
      java.nio.file.Path p = java.nio.file.Path.of(d.isEmpty() ? "." : d, "redis-cli");
      if (java.nio.file.Files.isExecutable(p)) {
        return p.toString();
      }
    }
    String why = "redis-cli is not on the PATH (Debian/Ubuntu: apt-get install -y redis-tools)";
    if (System.getenv("CI") != null) {
      throw new AssertionError(why + " (CI must not skip the Redis tests)");
    }
    assumeTrue(false, why);
    return null;
  }
}
