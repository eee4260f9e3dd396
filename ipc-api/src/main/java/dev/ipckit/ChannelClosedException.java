package dev.ipckit;

/** The channel is closed, by this side or by the peer, or the connection was lost. */
public class ChannelClosedException extends IpcException {
  public ChannelClosedException(String message) {
    super(message);
  }

  public ChannelClosedException(String message, Throwable cause) {
    super(message, cause);
  }
}
