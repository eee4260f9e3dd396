package dev.ipckit.typed;

import dev.ipckit.IpcException;
import java.time.Duration;

/**
 * No reply came to a request before its deadline. The request is forgotten: a reply arriving
 * later is dropped. The peer may still have handled it.
 */
public class RequestTimeoutException extends IpcException {
  private final long correlationId;
  private final Duration deadline;

  public RequestTimeoutException(String uri, long correlationId, Duration deadline) {
    super("no reply to request " + correlationId + " on " + uri + " within its deadline of "
        + deadline.toMillis() + " ms");
    this.correlationId = correlationId;
    this.deadline = deadline;
  }

  public long correlationId() {
    return correlationId;
  }

  public Duration deadline() {
    return deadline;
  }
}
