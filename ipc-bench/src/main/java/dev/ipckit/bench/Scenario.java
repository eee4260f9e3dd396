package dev.ipckit.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * Runs one row with a fresh peer child: listen, start the child, accept it, then
 * <ol>
 *   <li>one-way throughput: the child sends for warm-up + window + a tail; this process receives and
 *       measures the window on its own clock;
 *   <li>round-trip latency: this process sends one message and waits for the child's echo, a
 *       warm-up number of times, then the measured number of times into an HdrHistogram.
 * </ol>
 */
final class Scenario {
  /** The child keeps sending this long past the window, so the window never sees its end. */
  private static final Duration TAIL = Duration.ofMillis(300);
  private static final Duration CONNECT = Duration.ofSeconds(30);

  private final BenchOptions options;
  private final Path dir;

  Scenario(BenchOptions options, Path dir) {
    this.options = options;
    this.dir = dir;
  }

  RowResult run(Target target, int size) throws IOException, InterruptedException {
    String row = target.label() + " " + ResultTable.size(size);
    Duration sendFor = options.warmup().plus(options.duration()).plus(TAIL);
    try (Listener listener = target.listen(dir);
        PeerProcess peer = PeerProcess.start(target, listener.address(), size, sendFor, options.peerJvmArgs())) {
      try (BenchLink link = accept(listener, peer, row)) {
        ThroughputMeter meter = new ThroughputMeter(size, options.warmup().toNanos(), options.duration().toNanos());
        ThroughputResult throughput = link.receive(meter).verified(row);
        LatencyResult latency = roundTrips(link, size);
        link.sendEnd();
        RowResult r = new RowResult(target, size, throughput, latency);
        peer.awaitExit(Duration.ofSeconds(10));
        return r;
      }
    }
  }

  private static BenchLink accept(Listener listener, PeerProcess peer, String row) throws IOException {
    long deadline = System.nanoTime() + CONNECT.toNanos();
    while (System.nanoTime() - deadline < 0) {
      BenchLink link = listener.accept(Duration.ofMillis(100));
      if (link != null) {
        return link;
      }
      if (!peer.isAlive()) {
        throw new IOException(row + ": the peer process " + peer.exitDescription() + " before connecting");
      }
    }
    throw new IOException(row + ": the peer process did not connect within " + CONNECT.toSeconds() + " s");
  }

  private LatencyResult roundTrips(BenchLink link, int size) throws IOException {
    ByteBuffer payload = PeerMain.payload(size);
    for (int i = 0; i < options.rttWarmup(); i++) {
      link.roundTrip(payload);
    }
    Histogram h = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
    for (int i = 0; i < options.rttIterations(); i++) {
      payload.put(0, (byte) i);
      long t0 = System.nanoTime();
      link.roundTrip(payload);
      h.recordValue(Math.min(System.nanoTime() - t0, h.getHighestTrackableValue()));
    }
    return LatencyResult.of(h);
  }
}
