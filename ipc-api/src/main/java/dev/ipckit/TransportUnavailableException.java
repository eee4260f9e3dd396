package dev.ipckit;

/** A transport cannot run here: unknown scheme, a missing module or native library, no server. */
public class TransportUnavailableException extends IpcException {
  public TransportUnavailableException(String message) {
    super(message);
  }

  public TransportUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
