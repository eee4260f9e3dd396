package dev.ipckit.typed.internal;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * One thread running tasks in submission order from a bounded queue. {@link #execute} blocks
 * while the queue is full: a slow handler then slows the channel's reader, which slows the
 * peer's sends, instead of letting queued work grow without bound.
 */
public final class SerialWorker implements Executor {
  private final BlockingQueue<Runnable> queue;
  private volatile boolean closed;

  public SerialWorker(OwnedThreads threads, String role, int capacity) {
    this.queue = new ArrayBlockingQueue<>(capacity);
    threads.start(role, this::run);
  }

  @Override
  public void execute(Runnable task) {
    if (closed) {
      throw new RejectedExecutionException("worker is closed");
    }
    try {
      queue.put(task);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RejectedExecutionException("interrupted while queueing a task", e);
    }
  }

  /** Drops queued tasks; the thread ends once its current task returns (it is interrupted by its owner). */
  public void close() {
    closed = true;
    queue.clear();
  }

  private void run() {
    while (!closed) {
      Runnable task;
      try {
        task = queue.take();
      } catch (InterruptedException e) {
        if (closed) {
          return;
        }
        continue;
      }
      try {
        task.run();
      } catch (Throwable t) {
        Thread self = Thread.currentThread();
        self.getUncaughtExceptionHandler().uncaughtException(self, t);
      }
    }
  }
}
