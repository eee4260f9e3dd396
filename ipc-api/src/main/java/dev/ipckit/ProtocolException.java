package dev.ipckit;

/**
 * The peer sent bytes that break the protocol: wrong magic, an impossible frame length, a
 * truncated frame. The connection is closed; a server keeps serving its other clients.
 */
public class ProtocolException extends IpcException {
  public ProtocolException(String message) {
    super(message);
  }

  public ProtocolException(String message, Throwable cause) {
    super(message, cause);
  }
}
