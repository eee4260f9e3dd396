package dev.ipckit.cluster.pool;

/**
 * The worker's handler for a task threw (or the worker had no handler of that name, or could not
 * decode the input). Carries the worker's exception class and message; its stack trace stays in
 * the worker. The worker is unharmed and keeps taking tasks.
 */
public class TaskHandlerException extends TaskFailedException {
  private final String remoteType;
  private final String remoteMessage;

  TaskHandlerException(long taskId, String taskName, String worker, String remoteType, String remoteMessage,
      Throwable cause) {
    super(taskId, taskName, describe(taskId, taskName) + " failed in " + worker + ": " + remoteType
        + (remoteMessage.isEmpty() ? "" : ": " + remoteMessage), cause);
    this.remoteType = remoteType;
    this.remoteMessage = remoteMessage;
  }

  /** The class name of the exception the handler threw, e.g. {@code java.lang.IllegalArgumentException}. */
  public String remoteType() {
    return remoteType;
  }

  /** Its message; empty if it had none. */
  public String remoteMessage() {
    return remoteMessage;
  }
}
