package dev.ipckit.redis.session;

/** Told the id of each session that expired; called on the store's listener thread. */
@FunctionalInterface
public interface ExpiryListener {
  void expired(String sessionId);
}
