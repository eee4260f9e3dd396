package dev.ipckit.cluster;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The supervisor in this JVM, with real worker processes that have no port. */
@Timeout(60)
class SupervisorTest {
  static final String[] WORKER_JVM = {"-Xmx32m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k"};
  private static final RestartPolicy FAST = RestartPolicy.PM2
      .withDelays(Duration.ofMillis(10), 1.5, Duration.ofMillis(50)).withCrashLoop(2, Duration.ofMinutes(1));

  private final Set<Long> pids = ConcurrentHashMap.newKeySet();
  private final List<ClusterEvent> events = new CopyOnWriteArrayList<>();

  private Supervisor supervisor(Supervisor.Builder b) {
    Supervisor s = b.jvmArgs(WORKER_JVM).restartPolicy(FAST).build();
    s.onEvent(e -> {
      events.add(e);
      if (e instanceof ClusterEvent.WorkerStarted st) {
        pids.add(st.worker().pid());
      }
    });
    return s;
  }

  @AfterEach
  void nothingLeft() throws InterruptedException {
    Strays.assertAllGone(pids);
  }

  private static ByteBuffer utf8(String s) {
    return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void sendsToOneOrAllWorkersAndHearsFromThemThenStopsThemAll() throws Exception {
    Supervisor s = supervisor(Supervisor.builder(EchoWorkerMain.class, "echo").workers(2));
    BlockingQueue<String> heard = new LinkedBlockingQueue<>();
    s.onMessage((from, m) -> heard.add(from.slot() + ":" + StandardCharsets.UTF_8.decode(m)));
    try {
      s.start();
      assertEquals(2, s.workers().size());
      assertEquals(2, s.broadcast(utf8("to all")));
      Set<String> replies = Set.of(heard.poll(20, TimeUnit.SECONDS), heard.poll(20, TimeUnit.SECONDS));
      assertEquals(Set.of("0:echo 0 1 to all", "1:echo 1 1 to all"), replies);
      s.send(1, utf8("to one"));
      assertEquals("1:echo 1 1 to one", heard.poll(20, TimeUnit.SECONDS));
      assertNull(heard.poll(300, TimeUnit.MILLISECONDS), "only worker 1 was sent it");
      IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> s.send(2, utf8("x")));
      assertTrue(bad.getMessage().contains("slots are 0 to 1"), bad.getMessage());
    } finally {
      s.close();
    }
    assertTrue(s.terminated().isDone());
    long unexpected = events.stream().filter(e -> e instanceof ClusterEvent.WorkerExited x && !x.expected()).count();
    assertEquals(0, unexpected, events.toString());
    assertTrue(events.stream().anyMatch(e -> e instanceof ClusterEvent.Stopped st && st.killed() == 0), events.toString());
  }

  @Test
  void aWorkerThatExitsIsRestartedWithBackoffInItsSlot() throws Exception {
    Supervisor s = supervisor(Supervisor.builder(EchoWorkerMain.class, "echo").workers(1));
    BlockingQueue<String> heard = new LinkedBlockingQueue<>();
    s.onMessage((from, m) -> heard.add(StandardCharsets.UTF_8.decode(m).toString()));
    try {
      s.start();
      WorkerInfo first = s.workers().get(0);
      s.send(0, utf8("die"));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (!events.stream().anyMatch(e -> e instanceof ClusterEvent.WorkerReady r && r.worker().generation() == 2)) {
        assertTrue(System.nanoTime() < deadline, "no second worker became ready: " + events);
        Thread.sleep(20);
      }
      assertTrue(events.contains(new ClusterEvent.WorkerExited(first, dev.ipckit.pipe.ExitStatus.exited(7), false)),
          events.toString());
      assertTrue(events.contains(new ClusterEvent.RestartScheduled(0, 1, Duration.ofMillis(10))), events.toString());
      WorkerInfo second = s.workers().get(0);
      assertEquals(0, second.slot());
      assertNotEquals(first.pid(), second.pid());
      s.send(0, utf8("again"));
      assertEquals("echo 0 2 again", heard.poll(20, TimeUnit.SECONDS));
    } finally {
      s.close();
    }
  }

  @Test
  void aWorkerThatCrashesInALoopMakesTheSupervisorGiveUpWithAReport() throws Exception {
    Supervisor s = supervisor(Supervisor.builder(EchoWorkerMain.class, "crash").workers(1));
    CrashLoopException e = assertThrows(CrashLoopException.class, s::start);
    String report = e.getMessage();
    assertTrue(report.startsWith("worker 0 crashed in a loop: it exited 3 times within 60 s, more than the 2 "
        + "restarts allowed"), report);
    assertEquals(3, report.split("exit code 3 after").length - 1, report);
    assertThrows(Exception.class, () -> s.terminated().join());
    assertTrue(events.stream().anyMatch(ev -> ev instanceof ClusterEvent.GaveUp), events.toString());
    // backoff between the attempts: 10 ms, then 15 ms
    assertTrue(events.contains(new ClusterEvent.RestartScheduled(0, 2, Duration.ofMillis(15))), events.toString());
  }

  @Test
  void aWorkerThatIsNeverReadyIsKilledAtTheDeadline() throws Exception {
    Supervisor s = supervisor(Supervisor.builder(EchoWorkerMain.class, "silent").workers(1)
        .readyTimeout(Duration.ofMillis(1500)));
    CrashLoopException e;
    try {
      e = assertThrows(CrashLoopException.class, s::start);
    } finally {
      s.close();
    }
    assertTrue(e.getMessage().contains("not ready within 1500 ms, killed"), e.getMessage());
    assertTrue(events.stream().anyMatch(ev -> ev instanceof ClusterEvent.WorkerNotReady), events.toString());
  }

  @Test
  void restartDelaysFollowPm2() {
    RestartPolicy p = RestartPolicy.PM2;
    assertEquals(Duration.ofMillis(100), p.delay(1));
    assertEquals(Duration.ofMillis(150), p.delay(2));
    assertEquals(Duration.ofMillis(225), p.delay(3));
    assertEquals(Duration.ofSeconds(15), p.delay(14));
    assertEquals(Duration.ofSeconds(15), p.delay(1000));
    assertThrows(IllegalArgumentException.class, () -> p.withDelays(Duration.ofSeconds(2), 1.5, Duration.ofSeconds(1)));
    assertThrows(IllegalArgumentException.class, () -> p.withDelays(Duration.ofSeconds(1), 0.5, Duration.ofSeconds(1)));
  }
}
