package dev.ipckit.cluster;

import static org.junit.jupiter.api.Assertions.*;

import dev.ipckit.Channel;
import dev.ipckit.ChannelClosedException;
import dev.ipckit.Channels;
import dev.ipckit.cluster.internal.Control;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Workers whose channel to the supervisor is a unix: or tcp: connection they open themselves (the
 * supervisor listens, the worker finds the address in IPCKIT_CHANNEL): they identify themselves,
 * serve, hear the supervisor, and are replaced after SIGKILL like fd: workers.
 */
@Timeout(120)
class WorkerTransportTest {
  private static final RestartPolicy FAST = RestartPolicy.PM2
      .withDelays(Duration.ofMillis(10), 1.5, Duration.ofMillis(50)).withCrashLoop(3, Duration.ofMinutes(1));

  private final Set<Long> pids = ConcurrentHashMap.newKeySet();
  private final List<ClusterEvent> events = new CopyOnWriteArrayList<>();

  @AfterEach
  void nothingLeft() throws InterruptedException {
    Strays.assertAllGone(pids);
  }

  private static long pidOf(Http.Response r) {
    return Long.parseLong(r.body().split(" ")[1].trim());
  }

  @ParameterizedTest(name = "{0}, {1}")
  @CsvSource({"unix, SHARED", "tcp://127.0.0.1:0, REUSE_PORT"})
  void aWorkerConnectsToTheSupervisorServesHearsItAndIsReplacedAfterSigkill(String transport, ListenMode mode)
      throws Exception {
    Supervisor s = Supervisor.builder(HttpWorkerMain.class).workers(1).transport(transport)
        .listen(new InetSocketAddress("127.0.0.1", 0)).listenMode(mode)
        .jvmArgs(SupervisorTest.WORKER_JVM).restartPolicy(FAST).build();
    s.onEvent(e -> {
      events.add(e);
      if (e instanceof ClusterEvent.WorkerStarted st) {
        pids.add(st.worker().pid());
      }
    });
    BlockingQueue<String> heard = new LinkedBlockingQueue<>();
    s.onMessage((from, m) -> heard.add(from.pid() + " " + StandardCharsets.UTF_8.decode(m)));
    String uri;
    try {
      s.start();
      uri = events.stream().filter(e -> e instanceof ClusterEvent.AcceptingWorkers)
          .map(e -> ((ClusterEvent.AcceptingWorkers) e).uri()).findFirst().orElseThrow();
      assertTrue(uri.startsWith(transport.startsWith("unix") ? "unix://" : "tcp://"), uri);
      int port = s.address().getPort();
      long first = s.workers().get(0).pid();
      assertEquals(first, pidOf(Http.get(port, "/")));
      s.send(0, utf8("hello"));
      assertEquals(first + " echo hello", heard.poll(30, TimeUnit.SECONDS));

      // a stranger on the workers' address is turned away; the worker is not disturbed
      try (Channel stranger = Channels.open(uri)) {
        stranger.send(Control.encode(Control.IDENT, "pid=1 token=0123"));
        awaitEvent(e -> e instanceof ClusterEvent.ChannelRefused, Duration.ofSeconds(30));
        assertThrows(ChannelClosedException.class, () -> stranger.receive(Duration.ofSeconds(30)));
      }

      assertTrue(ProcessHandle.of(first).orElseThrow().destroyForcibly());
      awaitEvent(e -> e instanceof ClusterEvent.WorkerReady r && r.worker().generation() == 2, Duration.ofSeconds(60));
      assertTrue(events.contains(new ClusterEvent.RestartScheduled(0, 1, Duration.ofMillis(10))), events.toString());
      long second = s.workers().get(0).pid();
      assertNotEquals(first, second);
      assertEquals(second, pidOf(Http.get(port, "/")));
      s.send(0, utf8("again"));
      assertEquals(second + " echo again", heard.poll(30, TimeUnit.SECONDS));
    } finally {
      s.close();
    }
    assertTrue(events.stream().anyMatch(e -> e instanceof ClusterEvent.Stopped st && st.killed() == 0), events.toString());
    if (transport.equals("unix")) {
      Path socket = Path.of(uri.substring("unix://".length()));
      assertFalse(Files.exists(socket.getParent()), "the private directory is removed: " + socket.getParent());
    }
  }

  @Test
  void aTransportThatCannotPassHandlesIsRefusedForTheSharedSocketWithTheWayOut() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () ->
        Supervisor.builder(HttpWorkerMain.class).transport("tcp").listen(new InetSocketAddress("127.0.0.1", 0)).build());
    assertTrue(e.getMessage().contains("handle passing needs fd or unix"), e.getMessage());
    assertTrue(e.getMessage().contains("REUSE_PORT"), e.getMessage());
    IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () ->
        Supervisor.builder(HttpWorkerMain.class).transport("carrier-pigeon").build());
    assertTrue(unknown.getMessage().contains("carrier-pigeon"), unknown.getMessage());
  }

  private void awaitEvent(Predicate<ClusterEvent> what, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (events.stream().noneMatch(what)) {
      assertTrue(System.nanoTime() < deadline, "not seen within " + timeout.toSeconds() + " s: " + events);
      Thread.sleep(20);
    }
  }

  private static ByteBuffer utf8(String s) {
    return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
  }
}
