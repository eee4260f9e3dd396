package dev.ipckit.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * Runs one row at one size with a fresh peer process:
 * <ol>
 *   <li>one-way throughput: the peer sends for warm-up + window + a tail; this process receives and
 *       measures the window on its own clock;
 *   <li>round-trip latency: this process sends one message and waits for the peer's echo, a warm-up
 *       number of times, then the measured number of times into an HdrHistogram.
 * </ol>
 *
 * <p>The round trips are a closed loop: the next message leaves when the echo of the last one came
 * back, so a stall delays the requests that would have been sent during it, and a plain histogram
 * would never see them (coordinated omission). Each sample is therefore recorded with
 * {@link Histogram#recordValueWithExpectedInterval}, the expected interval being the median round
 * trip of the warm-up: a stall of n medians also records the n - 1 requests a sender issuing one
 * request per typical round trip would have had waiting behind it.
 */
final class Scenario {
  /** The peer keeps sending this long past the window, so the window never sees its end. */
  private static final Duration TAIL = Duration.ofMillis(200);
  private static final long MAX_RTT = TimeUnit.SECONDS.toNanos(10);

  private final BenchContext ctx;

  Scenario(BenchContext ctx) {
    this.ctx = ctx;
  }

  BenchContext context() {
    return ctx;
  }

  /** How long a peer sends in the one-way phase. */
  Duration sendFor() {
    BenchSettings s = ctx.settings();
    return s.warmup().plus(s.duration()).plus(TAIL);
  }

  RowResult run(Row row, int size) throws IOException, InterruptedException {
    String name = row.label() + " " + Units.size(size);
    BenchSettings s = ctx.settings();
    try (Session session = row.start(ctx, size, sendFor())) {
      BenchLink link = session.link();
      ThroughputMeter meter = new ThroughputMeter(size, s.warmup().toNanos(), s.duration().toNanos());
      ThroughputResult throughput = link.receive(meter).verified(name);
      LatencyResult latency = roundTrips(link, size);
      link.sendEnd();
      session.awaitPeerExit(Duration.ofSeconds(10));
      return new RowResult(row, size, throughput, latency);
    }
  }

  private LatencyResult roundTrips(BenchLink link, int size) throws IOException {
    BenchSettings s = ctx.settings();
    ByteBuffer payload = PeerMain.payload(size);
    Histogram warm = new Histogram(MAX_RTT, 3);
    long end = System.nanoTime() + s.rttWarmupTime().toNanos();
    for (int i = 0; i < s.rttWarmup(); i++) {
      long t0 = System.nanoTime();
      if (t0 - end > 0) {
        break;
      }
      link.roundTrip(payload);
      warm.recordValue(Math.min(System.nanoTime() - t0, MAX_RTT));
    }
    long interval = warm.getTotalCount() == 0 ? 0 : warm.getValueAtPercentile(50);
    Histogram h = new Histogram(MAX_RTT, 3);
    long measured = 0;
    end = System.nanoTime() + s.rttTime().toNanos();
    for (int i = 0; i < s.rttIterations(); i++) {
      payload.put(0, (byte) i);
      long t0 = System.nanoTime();
      link.roundTrip(payload);
      long t1 = System.nanoTime();
      h.recordValueWithExpectedInterval(Math.min(t1 - t0, MAX_RTT), interval);
      measured++;
      if (t1 - end > 0) {
        break;
      }
    }
    return LatencyResult.of(h, measured, interval);
  }
}
