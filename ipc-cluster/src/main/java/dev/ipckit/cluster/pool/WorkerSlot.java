package dev.ipckit.cluster.pool;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * One place in a pool, and the thread that keeps a worker in it: starts the worker, hands it
 * tasks one at a time, and starts a new one when it dies or is killed. A replacement that will
 * not start is retried with backoff; after {@value #MAX_START_ATTEMPTS} failures in a row the
 * slot gives up and tells the pool.
 */
final class WorkerSlot {
  static final int MAX_START_ATTEMPTS = 5;
  private static final long FIRST_BACKOFF_MILLIS = 100;
  private static final long MAX_BACKOFF_MILLIS = 5_000;
  private static final long BACKOFF_SLICE_MILLIS = 50;

  private final WorkerPool pool;
  private final Thread thread;
  /** Completes when the first worker serves, or fails when it could not start. */
  final CompletableFuture<Void> firstReady = new CompletableFuture<>();
  private volatile WorkerProcess current;

  WorkerSlot(WorkerPool pool, int number) {
    this.pool = pool;
    this.thread = new Thread(this::run, "ipckit-" + pool.name() + "-slot-" + number);
    thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  boolean isOwnThread() {
    return Thread.currentThread() == thread;
  }

  void join() throws InterruptedException {
    thread.join();
  }

  /** SIGKILLs the worker now (shutdownNow); the slot then sees the pool no longer wants one. */
  void killWorker() {
    WorkerProcess w = current;
    if (w != null) {
      w.kill();
    }
  }

  WorkerProcess worker() {
    return current;
  }

  private void run() {
    Throwable gaveUp = null;
    try {
      int failures = 0;
      while (pool.wantsWorkers()) {
        WorkerProcess w;
        try {
          int id = pool.nextWorkerId();
          w = WorkerProcess.start(id, pool.spawnFor(id), pool.startTimeout());
        } catch (IOException | RuntimeException e) {
          if (!firstReady.isDone()) {
            firstReady.completeExceptionally(e);
            return;
          }
          if (++failures >= MAX_START_ATTEMPTS) {
            gaveUp = e;
            return;
          }
          backoff(failures);
          continue;
        }
        failures = 0;
        current = w;
        firstReady.complete(null);
        serve(w);
        current = null;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      gaveUp = e;
    } finally {
      current = null;
      firstReady.complete(null); // the pool was closed before its first worker started: nothing to wait for
      pool.slotEnded(this, gaveUp);
    }
  }

  /** Hands {@code w} tasks until it dies or the pool has no more work for it. */
  private void serve(WorkerProcess w) throws InterruptedException {
    Duration grace = pool.killGrace();
    while (true) {
      QueuedTask<?> task = pool.take(w);
      if (task == null) {
        if (w.isAlive()) {
          w.stop(grace);
        } else {
          w.stop(Duration.ZERO); // died while idle: reap it and start another
        }
        return;
      }
      boolean alive;
      try {
        alive = w.run(task, grace, pool::stopReason);
      } catch (RuntimeException e) {
        // a bug or a child that would not die: the task must still settle, the worker is not trusted again
        task.fail(new TaskFailedException(task.id, task.name, task.describe() + " failed on " + w + ": " + e, e));
        w.kill();
        alive = false;
      }
      if (!alive) {
        w.closeChild();
        return;
      }
    }
  }

  private void backoff(int failures) throws InterruptedException {
    long wait = Math.min(MAX_BACKOFF_MILLIS, FIRST_BACKOFF_MILLIS << (failures - 1));
    long end = System.currentTimeMillis() + wait;
    while (pool.wantsWorkers() && System.currentTimeMillis() < end) {
      Thread.sleep(BACKOFF_SLICE_MILLIS);
    }
  }
}
