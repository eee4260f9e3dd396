package dev.ipckit.typed;

import dev.ipckit.IpcException;

/**
 * The peer could not answer a request: its handler threw, it had no handler, or it could not
 * decode the request or encode the reply. Carries the peer's exception class name and message,
 * never its stack trace (that stays on the peer).
 */
public class RemoteHandlerException extends IpcException {
  private final long correlationId;
  private final String remoteType;
  private final String remoteMessage;

  public RemoteHandlerException(String uri, long correlationId, String remoteType, String remoteMessage) {
    super("request " + correlationId + " on " + uri + " failed at the peer: " + remoteType
        + (remoteMessage.isEmpty() ? "" : ": " + remoteMessage));
    this.correlationId = correlationId;
    this.remoteType = remoteType;
    this.remoteMessage = remoteMessage;
  }

  public long correlationId() {
    return correlationId;
  }

  /** The class name of the exception at the peer, e.g. {@code java.lang.IllegalStateException}. */
  public String remoteType() {
    return remoteType;
  }

  /** The message of the exception at the peer; empty if it had none. */
  public String remoteMessage() {
    return remoteMessage;
  }
}
