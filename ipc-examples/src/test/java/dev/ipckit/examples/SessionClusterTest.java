package dev.ipckit.examples;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ipckit.TransportUnavailableException;
import dev.ipckit.cluster.ClusterProcess;
import dev.ipckit.cluster.Http;
import dev.ipckit.pipe.ExitStatus;
import dev.ipckit.pipe.Signal;
import dev.ipckit.pipe.Spawn;
import dev.ipckit.redis.LocalRedis;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The example as a user runs it: {@link SessionCluster} in its own process with 2 workers and a
 * real Redis. A session made on one worker is seen by the other, and survives the SIGKILL of the
 * worker that made it, on its replacement.
 */
@Timeout(180)
class SessionClusterTest {
  private static final Pattern ANSWERED_BY = Pattern.compile("worker (\\d+)");

  /** A Redis of the test's own: skipped with the reason locally, a failure under CI (as ipc-redis's tests). */
  private static LocalRedis redis() {
    try {
      return LocalRedis.startNew();
    } catch (TransportUnavailableException e) {
      if (System.getenv("CI") != null) {
        throw new AssertionError(e.getMessage() + " (CI must not skip the Redis tests)", e);
      }
      assumeTrue(false, e.getMessage());
      throw new AssertionError("unreachable");
    }
  }

  private static long pidOf(Http.Response r) {
    Matcher m = ANSWERED_BY.matcher(r.body());
    assertTrue(m.find(), r.body());
    return Long.parseLong(m.group(1));
  }

  @Test
  void aSessionMadeOnOneWorkerIsSeenOnTheOtherAndSurvivesTheSigkillOfItsMaker() throws Exception {
    try (LocalRedis redis = redis();
         ClusterProcess cluster = ClusterProcess.run(Spawn.java(SessionCluster.class, "0", "2")
             .jvmArgs(ClusterProcess.SMALL_JVM).env("REDIS_URL", redis.uri()), SessionCluster.class)) {
      cluster.await("ready \\(2 workers\\)");
      int port = cluster.port();
      List<Long> workers = cluster.readyPids();

      Http.Response login = Http.request(port, "POST", "/login?user=alice", "");
      assertEquals(200, login.status(), login.body());
      long maker = pidOf(login);
      String cookie = login.header("set-cookie").orElseThrow().split(";")[0];
      assertTrue(cookie.startsWith("sid="), cookie);

      // each request on a connection of its own: the shared socket gives them to either worker
      Set<Long> saw = new HashSet<>();
      for (int i = 0; i < 200 && saw.size() < 2; i++) {
        Http.Response me = me(port, cookie);
        assertTrue(me.body().startsWith("you are alice (visit " + (i + 1) + ")"), me.body());
        saw.add(pidOf(me));
      }
      assertEquals(new HashSet<>(workers), saw, "both workers answered with the session");
      int visits = visits(me(port, cookie));

      int before = cluster.said();
      assertTrue(ProcessHandle.of(maker).orElseThrow().destroyForcibly()); // SIGKILL
      cluster.await("\\(pid " + maker + "\\) exited \\(killed by SIGKILL\\) unexpectedly", before, Duration.ofSeconds(30));
      cluster.await("worker \\d \\(pid \\d+\\) ready", before, Duration.ofSeconds(60));
      long replacement = cluster.readyPids().get(2);
      boolean byReplacement = false;
      for (int i = 1; i <= 200 && !byReplacement; i++) {
        Http.Response me = me(port, cookie);
        assertEquals(visits + i, visits(me), me.body());
        assertNotEquals(maker, pidOf(me));
        byReplacement = pidOf(me) == replacement;
      }
      assertTrue(byReplacement, "the replacement " + replacement + " answered with the session");

      cluster.signal(Signal.TERM);
      assertEquals(ExitStatus.exited(0), cluster.awaitExit(Duration.ofSeconds(30)));
    } // ClusterProcess.close: no supervisor, worker or zombie left
  }

  private static Http.Response me(int port, String cookie) throws java.io.IOException {
    Http.Response r = Http.request(port, "GET", "/me", "Cookie: " + cookie + "\r\n");
    assertEquals(200, r.status(), r.body());
    return r;
  }

  private static int visits(Http.Response r) {
    Matcher m = Pattern.compile("\\(visit (\\d+)\\)").matcher(r.body());
    assertTrue(m.find(), r.body());
    return Integer.parseInt(m.group(1));
  }
}
