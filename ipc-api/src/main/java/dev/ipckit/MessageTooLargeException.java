package dev.ipckit;

/**
 * A message exceeds the channel's limit. Thrown by {@code send} before anything is written, so
 * the channel stays usable.
 */
public class MessageTooLargeException extends IpcException {
  private final long size;
  private final long limit;

  public MessageTooLargeException(String uri, long size, long limit) {
    super("message of " + size + " bytes exceeds the limit of " + limit + " bytes on " + uri
        + " (raise it with ?maxMessage= on both ends)");
    this.size = size;
    this.limit = limit;
  }

  public long size() {
    return size;
  }

  public long limit() {
    return limit;
  }
}
