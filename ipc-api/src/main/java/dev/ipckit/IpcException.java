package dev.ipckit;

import java.io.IOException;

/**
 * Root of every failure ipckit reports. Each subclass names what went wrong and where: the
 * channel URI, the sizes and limits involved, what the peer sent.
 */
public class IpcException extends IOException {
  public IpcException(String message) {
    super(message);
  }

  public IpcException(String message, Throwable cause) {
    super(message, cause);
  }
}
