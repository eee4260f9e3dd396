package dev.ipckit.redis.session;

import dev.ipckit.IpcException;

/** A write to a session that has expired, was invalidated, or never existed. */
public class UnknownSessionException extends IpcException {
  private final String id;

  public UnknownSessionException(String id, String store) {
    super("no session " + SessionStore.shortId(id) + " in " + store
        + ": it expired, was invalidated, or never existed");
    this.id = id;
  }

  /** The full id (not in the message, which may end up in logs: an id is a bearer secret). */
  public String id() {
    return id;
  }
}
