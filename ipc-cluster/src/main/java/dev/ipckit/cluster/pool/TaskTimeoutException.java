package dev.ipckit.cluster.pool;

import java.time.Duration;

/**
 * A task ran past its deadline. Its worker was stopped (SIGTERM, then SIGKILL after the pool's
 * kill grace) and replaced, since a handler that overran may be stuck for good: "task 17 'resize'
 * ran past its deadline of 500 ms on worker 3 (pid 1234), which was sent SIGTERM and exited with
 * code 143" (a JVM that ends on SIGTERM exits with 143).
 */
public class TaskTimeoutException extends TaskFailedException {
  private final Duration deadline;
  private final int workerId;
  private final long pid;

  TaskTimeoutException(long taskId, String taskName, Duration deadline, int workerId, long pid, String stopped) {
    super(taskId, taskName, describe(taskId, taskName) + " ran past its deadline of " + deadline.toMillis()
        + " ms on worker " + workerId + " (pid " + pid + "), which was " + stopped, null);
    this.deadline = deadline;
    this.workerId = workerId;
    this.pid = pid;
  }

  public Duration deadline() {
    return deadline;
  }

  public int workerId() {
    return workerId;
  }

  /** The pid of the worker that was stopped. */
  public long pid() {
    return pid;
  }
}
