package dev.ipckit.cluster;

import dev.ipckit.IpcException;

/**
 * The supervisor gave up: one worker slot exited unexpectedly more often than its
 * {@link RestartPolicy} allows. The message is the report: which slot, how each exit happened
 * and when.
 */
public final class CrashLoopException extends IpcException {
  private final int slot;

  public CrashLoopException(int slot, String report) {
    super(report);
    this.slot = slot;
  }

  public int slot() {
    return slot;
  }
}
