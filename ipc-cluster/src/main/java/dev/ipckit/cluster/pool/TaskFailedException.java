package dev.ipckit.cluster.pool;

import dev.ipckit.IpcException;

/**
 * A task submitted to a {@link WorkerPool} did not produce its result. The subclasses say why:
 * {@link TaskHandlerException} (the handler threw; the worker lives on),
 * {@link WorkerExitedException} (the worker died while running it), {@link TaskTimeoutException}
 * (it ran past its deadline and its worker was killed). This class itself means the pool was shut
 * down before the task could finish.
 */
public class TaskFailedException extends IpcException {
  private final long taskId;
  private final String taskName;

  public TaskFailedException(long taskId, String taskName, String message, Throwable cause) {
    super(message, cause);
    this.taskId = taskId;
    this.taskName = taskName;
  }

  /** The pool's number for the task, counted from 1 in submission order. */
  public long taskId() {
    return taskId;
  }

  public String taskName() {
    return taskName;
  }

  /** "task 17 'resize'". */
  static String describe(long taskId, String taskName) {
    return "task " + taskId + " '" + taskName + "'";
  }
}
