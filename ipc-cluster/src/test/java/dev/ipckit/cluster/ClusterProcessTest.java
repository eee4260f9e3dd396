package dev.ipckit.cluster;

import static org.junit.jupiter.api.Assertions.*;

import dev.ipckit.pipe.ExitStatus;
import dev.ipckit.pipe.Signal;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A supervisor in its own process serving HTTP through two workers that share one listening
 * socket: real signals, real connections, and nothing left in /proc afterwards.
 */
@Timeout(120)
class ClusterProcessTest {

  private static long pidOf(Http.Response r) {
    return Long.parseLong(r.body().split(" ")[1].trim());
  }

  @Test
  void aWorkerKilledWithSigkillIsReplacedAndTheServiceKeepsAnswering() throws Exception {
    try (ClusterProcess cluster = ClusterProcess.start("--workers", "2")) {
      cluster.await("ready \\(2 workers\\)");
      int port = cluster.port();
      List<Long> workers = cluster.readyPids();
      long victim = workers.get(0);
      String slot = cluster.await("worker (\\d) \\(pid " + victim + "\\) ready").group(1);
      assertEquals(200, Http.get(port, "/").status());

      int before = cluster.said();
      assertTrue(ProcessHandle.of(victim).orElseThrow().destroyForcibly()); // SIGKILL
      // every request from the kill on is answered, while the slot restarts
      int answered = 0;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (cluster.readyPids().size() < 3) {
        Http.Response r = Http.get(port, "/");
        assertEquals(200, r.status(), r.body());
        assertNotEquals(victim, pidOf(r));
        answered++;
        assertTrue(System.nanoTime() < deadline, "no replacement became ready: " + cluster.lines());
      }
      cluster.await("worker " + slot + " \\(pid " + victim + "\\) exited \\(killed by SIGKILL\\) unexpectedly", before,
          Duration.ofSeconds(5));
      cluster.await("restarting worker " + slot + " in 100 ms", before, Duration.ofSeconds(5));
      cluster.await("worker " + slot + " \\(pid \\d+\\) ready", before, Duration.ofSeconds(5));
      long replacement = cluster.readyPids().get(2);
      // the workers share one listening socket and the kernel hands a connection to whichever is
      // waiting in accept: one at a time, a warm survivor can take them all; four at once cannot
      Set<Long> seen = new HashSet<>();
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
      while (seen.size() < 2 && System.nanoTime() < until) {
        List<CompletableFuture<Http.Response>> batch = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
          batch.add(Http.getAsync(port, "/"));
        }
        for (CompletableFuture<Http.Response> r : batch) {
          seen.add(pidOf(r.get(10, TimeUnit.SECONDS)));
        }
      }
      assertEquals(Set.of(workers.get(1), replacement), seen, "both the survivor and the replacement answer");
      assertTrue(answered > 0);

      cluster.signal(Signal.TERM);
      assertEquals(ExitStatus.exited(0), cluster.awaitExit(Duration.ofSeconds(30)));
    }
  }

  @Test
  void concurrentRequestsDuringAReloadSeeNoRefusedConnectionAndNoError() throws Exception {
    try (ClusterProcess cluster = ClusterProcess.start("--workers", "2")) {
      cluster.await("ready \\(2 workers\\)");
      int port = cluster.port();
      List<Long> old = cluster.readyPids();
      LoadClients load = new LoadClients(4, () -> Http.get(port, "/"));
      Thread.sleep(500);
      int before = cluster.said();
      cluster.signal(Signal.HUP);
      cluster.await("reload done", before, Duration.ofSeconds(90));
      int atReload = load.ok.get();
      Thread.sleep(500);
      load.stop();

      assertEquals(List.of(), load.errors, "requests failed during the reload");
      assertTrue(atReload > 20, "too little load to say anything: " + atReload + " requests");
      List<Long> all = cluster.readyPids();
      assertEquals(4, all.size(), cluster.lines().toString());
      List<Long> fresh = all.subList(2, 4);
      assertTrue(load.answeredBy.containsAll(fresh), "the new workers answered: " + load.answeredBy + ", new " + fresh);
      for (long pid : old) {
        cluster.await("\\(pid " + pid + "\\) exited \\(exit code 0\\)$", before, Duration.ofSeconds(5));
      }
      assertTrue(cluster.lines().stream().noneMatch(l -> l.contains("unexpectedly") || l.contains("killed")),
          cluster.lines().toString());
      Set<Long> after = new HashSet<>();
      for (int i = 0; i < 20; i++) {
        after.add(pidOf(Http.get(port, "/")));
      }
      assertTrue(fresh.containsAll(after), "only new workers answer after the reload: " + after);

      cluster.signal(Signal.TERM);
      assertEquals(ExitStatus.exited(0), cluster.awaitExit(Duration.ofSeconds(30)));
    }
  }

  @Test
  void keepAliveClientsSeeNoErrorThroughTwoReloads() throws Exception {
    try (ClusterProcess cluster = ClusterProcess.start("--workers", "2")) {
      cluster.await("ready \\(2 workers\\)");
      URI uri = URI.create("http://127.0.0.1:" + cluster.port() + "/");
      // java.net.http keeps connections open between requests: the draining workers close them under it
      HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(10)).build();
      LoadClients load = new LoadClients(4, () -> {
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).build(),
            HttpResponse.BodyHandlers.ofString());
        return new Http.Response(r.statusCode(), Map.of(), r.body());
      });
      Thread.sleep(500);
      for (int reload = 1; reload <= 2; reload++) {
        int before = cluster.said();
        cluster.signal(Signal.HUP);
        cluster.await("reload done", before, Duration.ofSeconds(90));
      }
      Thread.sleep(300);
      load.stop();

      assertEquals(List.of(), load.errors, "keep-alive requests failed during the reloads");
      List<Long> all = cluster.readyPids();
      assertEquals(6, all.size(), cluster.lines().toString());
      for (int generation = 0; generation < 3; generation++) {
        List<Long> those = all.subList(2 * generation, 2 * generation + 2);
        assertTrue(those.stream().anyMatch(load.answeredBy::contains),
            "the clients moved on to each generation of workers: " + load.answeredBy + ", workers " + all);
      }
      assertTrue(load.ok.get() > 50, "too little load to say anything: " + load.ok.get() + " requests");
      cluster.signal(Signal.TERM);
      assertEquals(ExitStatus.exited(0), cluster.awaitExit(Duration.ofSeconds(30)));
    }
  }

  @Test
  void drainingAnswersInFlightWithConnectionCloseAndEndsIdleKeepAliveConnectionsWithoutAReset() throws Exception {
    try (ClusterProcess cluster = ClusterProcess.start("--workers", "1", "--shutdown-timeout", "30s")) {
      cluster.await("ready \\(1 workers\\)");
      int port = cluster.port();
      try (Http.KeepAlive idle = new Http.KeepAlive(port); Http.KeepAlive busy = new Http.KeepAlive(port)) {
        idle.send("/");
        assertEquals(200, idle.read().status());
        busy.send("/slow?ms=3000");
        cluster.await("slow request started");
        cluster.signal(Signal.TERM);

        assertTrue(idle.endedWithin(20_000), "the idle keep-alive connection ends with a FIN");
        // a request that crosses the FIN is read and dropped: after a plain close, the first
        // draws a reset from the kernel and the second fails with it
        idle.send("/");
        Thread.sleep(300);
        idle.send("/");

        Http.Response slow = busy.read();
        assertEquals(200, slow.status(), slow.body());
        assertEquals("close", slow.header("connection").orElse("(none)"), "the in-flight answer says it closes");
        assertTrue(busy.endedWithin(20_000), "and the connection ends after it");
      }
      assertEquals(ExitStatus.exited(0), cluster.awaitExit(Duration.ofSeconds(30)));
    }
  }

  @Test
  void sigtermLetsASlowRequestStartedBeforeItFinishThenExitsZero() throws Exception {
    try (ClusterProcess cluster = ClusterProcess.start("--workers", "2", "--shutdown-timeout", "30s")) {
      cluster.await("ready \\(2 workers\\)");
      int port = cluster.port();
      CompletableFuture<Http.Response> slow = Http.getAsync(port, "/slow?ms=3000");
      Matcher started = cluster.await("message from worker \\d \\(pid (\\d+)\\): slow request started");
      long serving = Long.parseLong(started.group(1));
      int before = cluster.said();
      cluster.signal(Signal.TERM);
      cluster.await("shutting down \\(SIGTERM\\)", before, Duration.ofSeconds(10));

      Http.Response r = slow.get(60, TimeUnit.SECONDS);
      assertEquals(200, r.status());
      assertEquals("slow done by " + serving + "\n", r.body());
      assertEquals(ExitStatus.exited(0), cluster.awaitExit(Duration.ofSeconds(30)));
      cluster.await("^stopped$", before, Duration.ofSeconds(5)); // nobody had to be killed
      assertThrows(ConnectException.class, () -> Http.get(port, "/"), "the port is closed once the cluster stopped");
    }
  }

  @Test
  void aSecondSigtermKillsWhatIsStillRunning() throws Exception {
    try (ClusterProcess cluster = ClusterProcess.start("--workers", "2", "--shutdown-timeout", "60s")) {
      cluster.await("ready \\(2 workers\\)");
      int port = cluster.port();
      CompletableFuture<Http.Response> stuck = Http.getAsync(port, "/slow?ms=60000");
      cluster.await("slow request started");
      int before = cluster.said();
      cluster.signal(Signal.TERM);
      cluster.await("shutting down \\(SIGTERM\\)", before, Duration.ofSeconds(10));
      long forced = System.nanoTime();
      cluster.signal(Signal.TERM);
      assertEquals(ExitStatus.exited(128 + 15), cluster.awaitExit(Duration.ofSeconds(20)));
      assertTrue(System.nanoTime() - forced < TimeUnit.SECONDS.toNanos(15), "the second signal forced the stop");
      assertThrows(Exception.class, () -> stuck.get(20, TimeUnit.SECONDS), "the stuck request was cut off");
    }
  }

  @Test
  void withReusePortEachWorkerBindsThePortItselfAndBothAnswer() throws Exception {
    try (ClusterProcess cluster = ClusterProcess.start("--workers", "2", "--reuse-port")) {
      cluster.await("listening on .*SO_REUSEPORT");
      cluster.await("ready \\(2 workers\\)");
      int port = cluster.port();
      Set<Long> seen = new HashSet<>();
      for (int i = 0; i < 60 && seen.size() < 2; i++) {
        seen.add(pidOf(Http.get(port, "/")));
      }
      assertEquals(new HashSet<>(cluster.readyPids()), seen);
      cluster.signal(Signal.INT);
      assertEquals(ExitStatus.exited(0), cluster.awaitExit(Duration.ofSeconds(30)));
    }
  }
}
