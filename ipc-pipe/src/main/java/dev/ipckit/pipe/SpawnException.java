package dev.ipckit.pipe;

import dev.ipckit.IpcException;

/**
 * A child process could not be started, or did not open its channel: the command does not
 * exist, the main class is not on the class path, the child exited before the handshake. The
 * message names the command and, where known, the child's pid and exit status.
 */
public class SpawnException extends IpcException {
  public SpawnException(String message) {
    super(message);
  }

  public SpawnException(String message, Throwable cause) {
    super(message, cause);
  }
}
