package dev.ipckit.redis;

import dev.ipckit.IpcException;

/**
 * Messages were lost before the next one: Redis pub/sub is at-most-once, and ipckit numbers each
 * publisher's messages so that a receiver learns what it missed (a Redis restart, a dropped
 * connection, a full receive queue) instead of losing it silently. Thrown once by
 * {@code receive}/{@code poll} in place of the missing messages; the channel stays open and the
 * next call returns the message after the gap.
 */
public class MessageGapException extends IpcException {
  private final long lost;

  public MessageGapException(String uri, long lost) {
    super(lost + " message" + (lost == 1 ? " was" : "s were") + " lost before this point on " + uri
        + " (Redis pub/sub is at-most-once; use redis-stream:// where every message matters)");
    this.lost = lost;
  }

  /** How many messages were lost. */
  public long lost() {
    return lost;
  }
}
