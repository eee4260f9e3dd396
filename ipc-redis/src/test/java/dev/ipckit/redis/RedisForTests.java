package dev.ipckit.redis;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ipckit.TransportUnavailableException;

/**
 * The tests' entry to Redis: {@link LocalRedis}, which finds a server in the order of DESIGN.md
 * section 8. Without one, tests are skipped with the reason locally and <b>fail</b> under CI
 * ({@code CI} set), where Redis must be installed.
 */
public final class RedisForTests {
  private RedisForTests() {}

  /** The base URI of the shared test server, e.g. {@code redis://127.0.0.1:40123/0}. */
  public static String uri() {
    try {
      return LocalRedis.shared().uri();
    } catch (TransportUnavailableException e) {
      return unavailable(e.getMessage());
    }
  }

  /** A Redis name no other test run uses: {@code prefix} and 16 random hex digits at most. */
  public static String uniqueName(String prefix) {
    return prefix + Long.toHexString(java.util.concurrent.ThreadLocalRandom.current().nextLong());
  }

  /** A server of the test's own that it may stop and restart; the test closes it. */
  public static LocalRedis ownServer() {
    try {
      return LocalRedis.startNew();
    } catch (TransportUnavailableException e) {
      return unavailable(e.getMessage());
    }
  }

  /** A server of the test's own from one source, e.g. {@code PATH}, with extra server arguments. */
  public static LocalRedis ownServer(LocalRedis.Source source, String... serverArgs) {
    try {
      return LocalRedis.builder().sources(source).serverArgs(serverArgs).start();
    } catch (TransportUnavailableException e) {
      return unavailable(e.getMessage());
    }
  }

  /** Skips (locally) or fails (in CI) without {@code redis-cli}. */
  public static String redisCli() {
    return LocalRedis.onPath("redis-cli").map(Object::toString).orElseGet(() ->
        unavailable("redis-cli is not on the PATH (Debian/Ubuntu: apt-get install -y redis-tools)"));
  }

  /** Fails under CI, skips elsewhere. */
  public static <T> T unavailable(String why) {
    if (System.getenv("CI") != null) {
      throw new AssertionError(why + " (CI must not skip the Redis tests)");
    }
    assumeTrue(false, why);
    throw new AssertionError("unreachable");
  }
}
