package dev.ipckit.cluster.pool;

import dev.ipckit.pipe.ExitStatus;

/**
 * The worker process running a task died before it answered: it exited (a {@code System.exit},
 * a {@code Runtime.halt}, an out-of-memory error that ended the JVM) or was killed by a signal.
 * The message says which worker, its pid, how it ended and which task it was running:
 * "worker 3 (pid 1234) killed by SIGKILL while running task 17 'resize'". The pool has replaced
 * the worker.
 */
public class WorkerExitedException extends TaskFailedException {
  private final int workerId;
  private final long pid;
  private final ExitStatus exit;

  WorkerExitedException(long taskId, String taskName, int workerId, long pid, ExitStatus exit, String why) {
    super(taskId, taskName, "worker " + workerId + " (pid " + pid + ") " + describe(exit) + " while running "
        + describe(taskId, taskName) + (why == null ? "" : " (" + why + ")"), null);
    this.workerId = workerId;
    this.pid = pid;
    this.exit = exit;
  }

  /** The pool's number for the worker, counted from 1; a replacement gets a new one. */
  public int workerId() {
    return workerId;
  }

  public long pid() {
    return pid;
  }

  /** How the worker process ended. */
  public ExitStatus exit() {
    return exit;
  }

  /** "exited with code 3", "killed by SIGKILL". */
  static String describe(ExitStatus exit) {
    return exit.wasKilled() ? exit.toString() : "exited with code " + exit.code();
  }
}
