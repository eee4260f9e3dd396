package dev.ipckit.redis.internal;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Reconnect delays: {@code first}, growing 1.5x per failed attempt up to {@code max}, back to
 * {@code first} after a success (not API). {@link #cancel()} ends any sleep at once, for close.
 */
public final class Backoff {
  private final long first;
  private final long max;
  private final CountDownLatch cancelled = new CountDownLatch(1);
  private long next;

  public Backoff(Duration first, Duration max) {
    this.first = first.toNanos();
    this.max = max.toNanos();
    this.next = this.first;
  }

  public void reset() {
    next = first;
  }

  /** The delay before the next attempt; each call grows the one after. */
  public long nextDelayNanos() {
    long d = next;
    next = Math.min(max, (long) (next * 1.5));
    return d;
  }

  /** Sleeps the next delay, or less if cancelled. */
  public void sleep() {
    await(nextDelayNanos());
  }

  /** Sleeps {@code nanos}, or less if cancelled. */
  public void await(long nanos) {
    if (nanos <= 0) {
      return;
    }
    try {
      cancelled.await(nanos, TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  public void cancel() {
    cancelled.countDown();
  }

  public boolean isCancelled() {
    return cancelled.getCount() == 0;
  }
}
