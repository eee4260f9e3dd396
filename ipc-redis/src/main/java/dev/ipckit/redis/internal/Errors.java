package dev.ipckit.redis.internal;

/** Short descriptions of Jedis failures for error messages (not API). */
public final class Errors {
  private Errors() {}

  /** The exception's message and its root cause's, e.g. "Failed to connect to 127.0.0.1:1 (Connection refused)". */
  public static String describe(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String msg = String.valueOf(e.getMessage());
    if (root != e && root.getMessage() != null && !msg.contains(root.getMessage())) {
      msg += " (" + root.getMessage() + ")";
    }
    return msg;
  }
}
