package dev.ipckit.redis.internal;

import dev.ipckit.Channel;
import java.io.IOException;
import redis.clients.jedis.Connection;

/** Closing what may already be broken, where the first failure is the one worth reporting (not API). */
public final class Closing {
  /** How long a closing thread waits for a reader or subscriber thread to end. */
  private static final long JOIN_MILLIS = 5000;

  private Closing() {}

  /** Closes {@code c} if not null; a broken connection may fail to close cleanly, its socket is closed either way. */
  public static void quietly(Connection c) {
    if (c == null) {
      return;
    }
    try {
      c.close();
    } catch (RuntimeException ignored) {
      // nothing more to do about a broken connection
    }
  }

  /** Closes {@code c}, ignoring its failure: an earlier failure, or closing the others, matters more. */
  public static void quietly(Channel c) {
    try {
      c.close();
    } catch (IOException ignored) {
      // the peer times this end out
    }
  }

  /** Waits (up to 5 s) for {@code thread} to end, unless called on it: its socket was closed under it. */
  public static void awaitExit(Thread thread) {
    if (Thread.currentThread() != thread && thread.isAlive()) {
      try {
        thread.join(JOIN_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
