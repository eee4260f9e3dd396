package dev.ipckit.typed.internal;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadFactory;

/**
 * The threads one typed channel starts: named {@code ipckit-<owner>-<role>}, daemon, and
 * remembered so that closing the channel can stop and wait for every one of them.
 */
public final class OwnedThreads {
  private final String prefix;
  private final List<Thread> threads = new CopyOnWriteArrayList<>();

  public OwnedThreads(String owner) {
    this.prefix = "ipckit-" + owner + "-";
  }

  /** A factory for threads named after {@code role}, for executors this owner creates. */
  public ThreadFactory factory(String role) {
    return r -> newThread(role, r);
  }

  /** Starts a daemon thread named after {@code role}. */
  public Thread start(String role, Runnable task) {
    Thread t = newThread(role, task);
    t.start();
    return t;
  }

  private Thread newThread(String role, Runnable task) {
    Thread t = new Thread(task, prefix + role);
    // a forgotten channel must never keep the JVM alive
    t.setDaemon(true);
    threads.add(t);
    return t;
  }

  /**
   * Interrupts every thread but the caller's and waits up to {@code timeout} for them to end.
   * The caller may be one of them (close called from a handler): it ends when it returns.
   */
  public void stop(Duration timeout) {
    Thread self = Thread.currentThread();
    for (Thread t : threads) {
      if (t != self) {
        t.interrupt();
      }
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    for (Thread t : threads) {
      long left = deadline - System.nanoTime();
      if (t == self || left <= 0) {
        continue;
      }
      try {
        t.join(Math.max(1, left / 1_000_000));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
