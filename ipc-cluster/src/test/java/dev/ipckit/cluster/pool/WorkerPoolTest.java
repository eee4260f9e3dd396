package dev.ipckit.cluster.pool;

import static dev.ipckit.cluster.pool.PoolTestWorker.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.ipckit.pipe.ExitStatus;
import dev.ipckit.pipe.Signal;
import dev.ipckit.pipe.SpawnException;
import dev.ipckit.tests.ChildJvm;
import dev.ipckit.tests.ProcessTable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Real worker JVMs that answer, throw, crash and hang; after each test nothing of theirs is left. */
@Timeout(120)
class WorkerPoolTest {
  private static final long WAIT_SECONDS = 60;
  private Leftovers before;

  @BeforeAll
  static void warmUp() throws Exception {
    // the first spawn loads JNA and junixsocket, whose descriptors must not count as leaked
    try (WorkerPool pool = pool(1).start()) {
      assertEquals(4L, pool.submit(SQUARE, 2L).get(WAIT_SECONDS, TimeUnit.SECONDS));
    }
  }

  @BeforeEach
  void snapshot() throws Exception {
    before = Leftovers.snapshot();
  }

  @AfterEach
  void nothingLeft() throws Exception {
    before.assertNone();
  }

  static WorkerPool.Builder pool(int size) {
    return WorkerPool.builder(PoolTestWorker.class).size(size).jvmArgs(FAST_JVM)
        .spawn(s -> {
          var log = ChildJvm.newLogFile(PoolTestWorker.class).toPath();
          s.stdoutTo(log).stderrTo(log);
        });
  }

  @Test
  void aThousandTasksOnFourWorkersWhileThreeWorkersCrashMidTask() throws Exception {
    Map<Integer, TaskType<Long, Long>> crashes = Map.of(100, EXIT, 500, HALT, 900, KILL9);
    Map<Integer, Long> crashArgs = Map.of(100, 3L, 500, 7L, 900, 0L);
    List<CompletableFuture<Long>> results = new ArrayList<>();
    try (WorkerPool pool = pool(4).queueCapacity(64).submitTimeout(Duration.ofSeconds(WAIT_SECONDS)).start()) {
      List<Long> firstPids = pool.workerPids();
      assertEquals(4, firstPids.size(), "workers after start");
      for (int i = 0; i < 1000; i++) {
        // 1,000 tasks through a queue of 64: submit blocks while it is full
        TaskType<Long, Long> crash = crashes.get(i);
        results.add(crash != null ? pool.submit(crash, crashArgs.get(i)) : pool.submit(SQUARE, (long) i));
      }
      List<WorkerExitedException> exits = new ArrayList<>();
      for (int i = 0; i < 1000; i++) {
        if (!crashes.containsKey(i)) {
          assertEquals((long) i * i, results.get(i).get(WAIT_SECONDS, TimeUnit.SECONDS), "task " + (i + 1));
          continue;
        }
        ExecutionException e = assertThrows(ExecutionException.class, results.get(i)::get);
        WorkerExitedException x = assertInstanceOf(WorkerExitedException.class, e.getCause());
        assertEquals(i + 1, x.taskId());
        exits.add(x);
      }
      assertExit(exits.get(0), ExitStatus.exited(3), "exited with code 3", "exit");
      assertExit(exits.get(1), ExitStatus.exited(7), "exited with code 7", "halt");
      assertExit(exits.get(2), ExitStatus.killed(Signal.KILL.number()), "killed by SIGKILL", "kill9");
      for (WorkerExitedException x : exits) {
        assertTrue(firstPids.contains(x.pid()) || x.workerId() > 4, x.getMessage());
        assertFalse(ProcessTable.running(x.pid()), "crashed worker " + x.pid() + " still runs");
      }
      // the three were replaced: four workers again, none of them a crashed one
      List<Long> pids = awaitWorkers(pool, 4);
      exits.forEach(x -> assertFalse(pids.contains(x.pid()), "pid of a dead worker still listed: " + x.getMessage()));
      assertEquals(4, pids.stream().distinct().count());
    }
  }

  private static void assertExit(WorkerExitedException x, ExitStatus status, String how, String task) {
    assertEquals(status, x.exit(), x.getMessage());
    String expected = "worker " + x.workerId() + " (pid " + x.pid() + ") " + how + " while running task " + x.taskId()
        + " '" + task + "'";
    assertEquals(expected, x.getMessage());
  }

  @Test
  void aHangingTaskTimesOutAndItsWorkerIsReplaced() throws Exception {
    try (WorkerPool pool = pool(2).start()) {
      long pid = pool.submit(PID, 0L).get(WAIT_SECONDS, TimeUnit.SECONDS);
      CompletableFuture<Long> hung = pool.submit(HANG, 0L, Duration.ofMillis(500));
      // the other worker keeps answering while one hangs
      assertEquals(81L, pool.submit(SQUARE, 9L).get(WAIT_SECONDS, TimeUnit.SECONDS));
      ExecutionException e = assertThrows(ExecutionException.class, () -> hung.get(WAIT_SECONDS, TimeUnit.SECONDS));
      TaskTimeoutException t = assertInstanceOf(TaskTimeoutException.class, e.getCause());
      assertEquals("task " + t.taskId() + " 'hang' ran past its deadline of 500 ms on worker " + t.workerId()
          + " (pid " + t.pid() + "), which was sent SIGTERM and exited with code 143", t.getMessage());
      assertFalse(ProcessHandle.of(t.pid()).map(ProcessHandle::isAlive).orElse(false), "hung worker still runs");
      List<Long> pids = awaitWorkers(pool, 2);
      assertFalse(pids.contains(t.pid()), pids + " still lists the killed worker " + t.pid());
      for (long i = 0; i < 20; i++) {
        assertEquals(i * i, pool.submit(SQUARE, i).get(WAIT_SECONDS, TimeUnit.SECONDS));
      }
      assertTrue(pid > 0);
    }
  }

  @Test
  void aWorkerThatIgnoresSigtermIsKilledAfterTheGrace() throws Exception {
    try (WorkerPool pool = pool(1).killGrace(Duration.ofMillis(300)).start()) {
      CompletableFuture<Long> stuck = pool.submit(STUBBORN, 0L, Duration.ofMillis(500));
      ExecutionException e = assertThrows(ExecutionException.class, () -> stuck.get(WAIT_SECONDS, TimeUnit.SECONDS));
      TaskTimeoutException t = assertInstanceOf(TaskTimeoutException.class, e.getCause());
      assertTrue(t.getMessage().endsWith("which was sent SIGTERM, then SIGKILL after 300 ms, and killed by SIGKILL"),
          t.getMessage());
      assertEquals(16L, pool.submit(SQUARE, 4L).get(WAIT_SECONDS, TimeUnit.SECONDS), "the replacement answers");
    }
  }

  @Test
  void anIdleWorkerKilledWithSigkillIsReplaced() throws Exception {
    try (WorkerPool pool = pool(2).start()) {
      long victim = pool.workerPids().get(0);
      assertTrue(ProcessHandle.of(victim).orElseThrow().destroyForcibly());
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
      while ((pool.workerPids().contains(victim) || pool.workerPids().size() < 2) && System.nanoTime() < end) {
        Thread.sleep(20);
      }
      List<Long> pids = pool.workerPids();
      assertEquals(2, pids.size(), "workers after the kill: " + pids);
      assertFalse(pids.contains(victim), pids.toString());
      for (long i = 0; i < 10; i++) {
        assertEquals(i * i, pool.submit(SQUARE, i).get(WAIT_SECONDS, TimeUnit.SECONDS));
      }
    }
  }

  @Test
  void aHandlerThatThrowsFailsOnlyItsTaskAndTheWorkerIsReused() throws Exception {
    try (WorkerPool pool = pool(1).start()) {
      long pid = pool.submit(PID, 0L).get(WAIT_SECONDS, TimeUnit.SECONDS);
      ExecutionException e = assertThrows(ExecutionException.class,
          () -> pool.submit(FAIL, 42L).get(WAIT_SECONDS, TimeUnit.SECONDS));
      TaskHandlerException h = assertInstanceOf(TaskHandlerException.class, e.getCause());
      assertEquals("java.lang.IllegalArgumentException", h.remoteType());
      assertEquals("no good: 42", h.remoteMessage());
      assertTrue(h.getMessage().startsWith("task " + h.taskId() + " 'fail' failed in worker 1 (pid " + pid + ")"),
          h.getMessage());
      ExecutionException unknown = assertThrows(ExecutionException.class,
          () -> pool.submit(TaskType.bytes("nonesuch"), new byte[0]).get(WAIT_SECONDS, TimeUnit.SECONDS));
      assertTrue(unknown.getCause().getMessage().contains("no handler for task 'nonesuch'; it handles square, pid"),
          unknown.getCause().getMessage());
      assertEquals(pid, pool.submit(PID, 0L).get(WAIT_SECONDS, TimeUnit.SECONDS), "the same worker answers");
    }
  }

  @Test
  void aFullQueueRejectsAfterTheSubmitTimeout() throws Exception {
    try (WorkerPool pool = pool(1).queueCapacity(2).submitTimeout(Duration.ofMillis(300)).start()) {
      CompletableFuture<Long> running = pool.submit(SLEEP, 1500L);
      awaitQueued(pool, 0); // the worker took it
      CompletableFuture<Long> a = pool.submit(SQUARE, 2L);
      CompletableFuture<Long> b = pool.submit(SQUARE, 3L);
      long start = System.nanoTime();
      PoolFullException full = assertThrows(PoolFullException.class, () -> pool.submit(SQUARE, 4L));
      assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(250), "submit waited for room first");
      assertTrue(full.getMessage().contains("the queue of 2 tasks stayed full for 300 ms; task 4 'square' was not queued"),
          full.getMessage());
      assertEquals(2, pool.queued());
      assertEquals(1500L, running.get(WAIT_SECONDS, TimeUnit.SECONDS));
      assertEquals(4L, a.get(WAIT_SECONDS, TimeUnit.SECONDS));
      assertEquals(9L, b.get(WAIT_SECONDS, TimeUnit.SECONDS));
    }
  }

  @Test
  void closeRunsTheQueuedTasksThenStopsTheWorkers() throws Exception {
    WorkerPool pool = pool(2).start();
    List<Long> pids = pool.workerPids();
    List<CompletableFuture<Long>> results = new ArrayList<>();
    for (long i = 0; i < 20; i++) {
      results.add(pool.submit(SLEEP, 20 + i));
    }
    pool.close();
    for (long i = 0; i < 20; i++) {
      assertEquals(20 + i, results.get((int) i).getNow(-1L), "task " + (i + 1) + " after close");
    }
    RejectedExecutionException r = assertThrows(RejectedExecutionException.class, () -> pool.submit(SQUARE, 1L));
    assertTrue(r.getMessage().endsWith("is closed: it takes no more tasks"), r.getMessage());
    pids.forEach(p -> assertFalse(ProcessHandle.of(p).map(ProcessHandle::isAlive).orElse(false), "worker " + p));
    pool.close(); // idempotent
  }

  @Test
  void shutdownNowFailsQueuedTasksAndKillsRunningOnes() throws Exception {
    WorkerPool pool = pool(1).start();
    CompletableFuture<Long> running = pool.submit(SLEEP, 60_000L);
    awaitQueued(pool, 0);
    List<CompletableFuture<Long>> queued = new ArrayList<>();
    for (long i = 0; i < 5; i++) {
      queued.add(pool.submit(SQUARE, i));
    }
    assertEquals(5, pool.shutdownNow());
    ExecutionException e = assertThrows(ExecutionException.class, running::get);
    WorkerExitedException x = assertInstanceOf(WorkerExitedException.class, e.getCause());
    assertEquals("worker 1 (pid " + x.pid() + ") killed by SIGKILL while running task 1 'sleep' (the pool was shut down)",
        x.getMessage());
    for (CompletableFuture<Long> q : queued) {
      ExecutionException qe = assertThrows(ExecutionException.class, q::get);
      assertTrue(qe.getCause().getMessage().endsWith("did not run: the pool was shut down before it started"),
          qe.getCause().getMessage());
    }
  }

  @Test
  void aWorkerMainThatDoesNotServeFailsTheStartClearly() throws Exception {
    SpawnException e = assertThrows(SpawnException.class,
        () -> WorkerPool.builder(NotAWorker.class).size(2).jvmArgs(FAST_JVM).startTimeout(Duration.ofSeconds(30)).start());
    assertTrue(e.getMessage().contains("could not start its workers (" + NotAWorker.class.getName() + ")"), e.getMessage());
    assertTrue(e.getMessage().contains("exited with code 2"), e.getMessage());
  }

  /** A main class that exits at once instead of calling PoolWorker.run(). */
  public static final class NotAWorker {
    public static void main(String[] args) {
      System.exit(2);
    }
  }

  private static List<Long> awaitWorkers(WorkerPool pool, int n) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
    List<Long> pids;
    while ((pids = pool.workerPids()).size() < n && System.nanoTime() < end) {
      Thread.sleep(20);
    }
    assertEquals(n, pids.size(), "workers running: " + pids);
    return pids;
  }

  private static void awaitQueued(WorkerPool pool, int n) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
    while (pool.queued() != n && System.nanoTime() < end) {
      Thread.sleep(10);
    }
    assertEquals(n, pool.queued(), "tasks queued");
  }
}
