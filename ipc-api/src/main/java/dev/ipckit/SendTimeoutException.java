package dev.ipckit;

/**
 * {@code send} waited the channel's send timeout for room in its bounded outgoing buffer and
 * found none: the peer is not reading fast enough, or not at all.
 */
public class SendTimeoutException extends IpcException {
  public SendTimeoutException(String message) {
    super(message);
  }
}
