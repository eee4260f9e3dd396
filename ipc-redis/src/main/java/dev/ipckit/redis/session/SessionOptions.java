package dev.ipckit.redis.session;

import dev.ipckit.ChannelUri;
import dev.ipckit.InvalidChannelUriException;
import dev.ipckit.redis.RedisEndpoint;
import java.time.Duration;
import java.util.Set;

/**
 * The options of a {@link SessionStore} URI beyond the address (docs/REDIS.md has the table).
 *
 * @param prefix the start of every key the store uses: sessions are {@code <prefix><id>}
 * @param ttl how long a session lives after its last access (sliding)
 * @param expiryEvents how expiries are found: {@code index} (a sorted set polled every
 *     {@code expiryPoll}, needs no server configuration) or {@code notify} (Redis keyspace
 *     notifications; needs {@code notify-keyspace-events} to include {@code Ex})
 * @param expiryPoll how often an index-mode listener looks for expired sessions
 */
public record SessionOptions(String prefix, Duration ttl, ExpiryEvents expiryEvents, Duration expiryPoll) {

  /** Where expiry events come from. */
  public enum ExpiryEvents { INDEX, NOTIFY }

  public static final Set<String> NAMES = Set.of("prefix", "ttl", "expiryEvents", "expiryPoll");

  public static SessionOptions from(ChannelUri uri) throws InvalidChannelUriException {
    String where = RedisEndpoint.redact(uri.toString());
    String prefix = uri.string("prefix", "ipckit:session:");
    if (prefix.isEmpty()) {
      throw new InvalidChannelUriException(where, "prefix= is empty: sessions would share the key space"
          + " with everything else in the database");
    }
    Duration ttl = uri.duration("ttl", Duration.ofMinutes(30));
    if (ttl.toMillis() < 1) {
      throw new InvalidChannelUriException(where, "ttl=" + ttl + " must be at least 1ms");
    }
    String mode = uri.string("expiryEvents", "index");
    ExpiryEvents events = switch (mode) {
      case "index" -> ExpiryEvents.INDEX;
      case "notify" -> ExpiryEvents.NOTIFY;
      default -> throw new InvalidChannelUriException(where, "expiryEvents=" + mode
          + " is neither index (a polled sorted set; works everywhere) nor notify (keyspace notifications)");
    };
    Duration poll = uri.duration("expiryPoll", Duration.ofSeconds(1));
    if (poll.toMillis() < 1) {
      throw new InvalidChannelUriException(where, "expiryPoll must be at least 1ms");
    }
    return new SessionOptions(prefix, ttl, events, poll);
  }
}
