package dev.ipckit.typed.internal;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongFunction;

/**
 * Requests waiting for their reply, by correlation id, each with a deadline. Whoever removes a
 * future from the map completes it (the reply, the deadline, or close), so each is completed
 * exactly once and none stays in the map after it completes.
 *
 * @param <R> the reply type
 */
public final class PendingRequests<R> {
  private final ConcurrentHashMap<Long, CompletableFuture<R>> pending = new ConcurrentHashMap<>();
  private final AtomicLong ids = new AtomicLong();
  private final ScheduledThreadPoolExecutor timer;

  public PendingRequests(OwnedThreads threads) {
    timer = new ScheduledThreadPoolExecutor(1, threads.factory("timer"));
    // a request answered in time must not leave its timeout task queued until the deadline
    timer.setRemoveOnCancelPolicy(true);
  }

  /**
   * Registers {@code future} under a new correlation id; when {@code deadline} passes first, it
   * fails with {@code onTimeout.apply(id)}.
   */
  public long add(CompletableFuture<R> future, Duration deadline, LongFunction<Throwable> onTimeout) {
    long id = ids.incrementAndGet();
    pending.put(id, future);
    ScheduledFuture<?> timeout;
    try {
      timeout = timer.schedule(() -> fail(id, onTimeout.apply(id)),
          saturatedNanos(deadline), TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      // closed meanwhile: the owner checks for that after add and fails the future
      timeout = null;
    }
    ScheduledFuture<?> t = timeout;
    // also covers a caller who cancels or completes the future itself
    future.whenComplete((r, e) -> {
      pending.remove(id, future);
      if (t != null) {
        t.cancel(false);
      }
    });
    return id;
  }

  /** Takes the future of {@code id} out of the map; null if it already completed or timed out. */
  public CompletableFuture<R> remove(long id) {
    return pending.remove(id);
  }

  public void fail(long id, Throwable cause) {
    CompletableFuture<R> f = pending.remove(id);
    if (f != null) {
      f.completeExceptionally(cause);
    }
  }

  /** Fails every pending request and stops the timer. */
  public void close(LongFunction<Throwable> cause) {
    timer.shutdownNow();
    for (Long id : pending.keySet()) {
      fail(id, cause.apply(id));
    }
  }

  public int size() {
    return pending.size();
  }

  private static long saturatedNanos(Duration d) {
    try {
      return d.toNanos();
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE;
    }
  }
}
