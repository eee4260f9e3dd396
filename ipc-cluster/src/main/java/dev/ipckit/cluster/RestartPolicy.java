package dev.ipckit.cluster;

import java.time.Duration;

/**
 * When a worker that exited unexpectedly is started again, and when the supervisor gives up.
 *
 * <p>The delay before the n-th restart in a row is {@code initialDelay * factor^(n-1)}, at most
 * {@code maxDelay}; a worker that ran at least {@code stableAfter} before it exited starts the
 * count again (PM2's exponential backoff: 100 ms, x1.5, capped at 15 s, reset after 30 s stable,
 * which is {@link #PM2}). A slot whose worker exits unexpectedly more than {@code maxRestarts}
 * times within {@code window} is crashing in a loop: the supervisor stops restarting it and
 * gives up (see {@link CrashLoopException}).
 */
public record RestartPolicy(Duration initialDelay, double factor, Duration maxDelay, Duration stableAfter,
    int maxRestarts, Duration window) {

  /** PM2's backoff; a crash loop is more than 10 unexpected exits within a minute. */
  public static final RestartPolicy PM2 = new RestartPolicy(Duration.ofMillis(100), 1.5, Duration.ofSeconds(15),
      Duration.ofSeconds(30), 10, Duration.ofMinutes(1));

  public RestartPolicy {
    if (initialDelay.isNegative() || maxDelay.compareTo(initialDelay) < 0) {
      throw new IllegalArgumentException("restart delays must satisfy 0 <= initialDelay (" + initialDelay
          + ") <= maxDelay (" + maxDelay + ")");
    }
    if (!(factor >= 1.0) || Double.isInfinite(factor)) {
      throw new IllegalArgumentException("restart factor must be a finite number >= 1, not " + factor);
    }
    if (stableAfter.isNegative() || window.isNegative() || window.isZero()) {
      throw new IllegalArgumentException("stableAfter (" + stableAfter + ") must be >= 0 and window (" + window
          + ") > 0");
    }
    if (maxRestarts < 0) {
      throw new IllegalArgumentException("maxRestarts must be >= 0, not " + maxRestarts);
    }
  }

  /** The delay before restart number {@code consecutive} (1 for the first restart after a stable run). */
  public Duration delay(int consecutive) {
    if (consecutive < 1) {
      throw new IllegalArgumentException("restarts are counted from 1, not " + consecutive);
    }
    double nanos = initialDelay.toNanos() * Math.pow(factor, consecutive - 1);
    return nanos >= maxDelay.toNanos() ? maxDelay : Duration.ofNanos((long) nanos);
  }

  public RestartPolicy withDelays(Duration initialDelay, double factor, Duration maxDelay) {
    return new RestartPolicy(initialDelay, factor, maxDelay, stableAfter, maxRestarts, window);
  }

  public RestartPolicy withStableAfter(Duration stableAfter) {
    return new RestartPolicy(initialDelay, factor, maxDelay, stableAfter, maxRestarts, window);
  }

  public RestartPolicy withCrashLoop(int maxRestarts, Duration window) {
    return new RestartPolicy(initialDelay, factor, maxDelay, stableAfter, maxRestarts, window);
  }
}
