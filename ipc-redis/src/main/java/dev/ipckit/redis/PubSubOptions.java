package dev.ipckit.redis;

import dev.ipckit.ChannelUri;
import dev.ipckit.InvalidChannelUriException;
import java.time.Duration;
import java.util.Set;

/**
 * The options of {@code redis://} and {@code rediss://} beyond the common ones (docs/REDIS.md has
 * the table).
 *
 * @param channel the Redis channel a bus channel publishes to and subscribes to
 * @param pattern a glob (PSUBSCRIBE) a bus channel subscribes to instead of {@code channel}
 * @param server the Redis channel an ipckit server listens on (client/server pairs)
 * @param plain no header: payloads exactly as given, for redis-cli and other languages
 * @param echo deliver this channel's own messages back to it (bus mode)
 * @param subscribe false for a publish-only bus channel
 * @param heartbeat interval of heartbeats and subscription pings; zero turns both off
 * @param peerTimeout silence after which a pair's peer, or a subscription's Redis, counts as lost
 * @param backoff first delay between reconnect attempts, growing 1.5x
 * @param maxBackoff cap of the reconnect delay
 * @param receiveQueue bytes of received messages held locally; past it newer ones are dropped and
 *     reported as a gap
 */
public record PubSubOptions(
    String channel,
    String pattern,
    String server,
    boolean plain,
    boolean echo,
    boolean subscribe,
    Duration heartbeat,
    Duration peerTimeout,
    Duration backoff,
    Duration maxBackoff,
    long receiveQueue) {

  public static final Set<String> NAMES = Set.of("channel", "pattern", "server", "plain", "echo",
      "subscribe", "heartbeat", "peerTimeout", "backoff", "maxBackoff", "receiveQueue");

  public static PubSubOptions from(ChannelUri uri) throws InvalidChannelUriException {
    String where = RedisEndpoint.redact(uri.toString());
    String channel = nonEmpty(uri, where, "channel");
    String pattern = nonEmpty(uri, where, "pattern");
    String server = nonEmpty(uri, where, "server");
    boolean plain = uri.bool("plain", false);
    if (server != null && (channel != null || pattern != null)) {
      throw new InvalidChannelUriException(where, "server= names a client/server pair and cannot be"
          + " combined with channel= or pattern= (a pub/sub bus)");
    }
    if (server == null && channel == null && pattern == null) {
      throw new InvalidChannelUriException(where, "say which Redis channel: ?channel=NAME (publish and"
          + " subscribe), ?pattern=GLOB (subscribe by pattern) or ?server=NAME (client/server pair)");
    }
    if (server != null && plain) {
      throw new InvalidChannelUriException(where, "plain=true has no header to tell clients apart;"
          + " a server= pair needs it");
    }
    Duration heartbeat = uri.duration("heartbeat", Duration.ofSeconds(1));
    Duration peerTimeout = uri.duration("peerTimeout", Duration.ofSeconds(3));
    if (!heartbeat.isZero() && peerTimeout.compareTo(heartbeat.multipliedBy(2)) < 0) {
      throw new InvalidChannelUriException(where, "peerTimeout=" + peerTimeout.toMillis()
          + "ms must be at least twice heartbeat=" + heartbeat.toMillis() + "ms");
    }
    Duration backoff = uri.duration("backoff", Duration.ofMillis(100));
    Duration maxBackoff = uri.duration("maxBackoff", Duration.ofSeconds(2));
    if (backoff.isZero() || maxBackoff.compareTo(backoff) < 0) {
      throw new InvalidChannelUriException(where, "backoff must be above zero and at most maxBackoff");
    }
    long receiveQueue = uri.size("receiveQueue", 8L << 20);
    if (receiveQueue < 4096) {
      throw new InvalidChannelUriException(where, "receiveQueue=" + receiveQueue + " must be at least 4KiB");
    }
    return new PubSubOptions(channel, pattern, server, plain, uri.bool("echo", false),
        uri.bool("subscribe", true), heartbeat, peerTimeout, backoff, maxBackoff, receiveQueue);
  }

  private static String nonEmpty(ChannelUri uri, String where, String name)
      throws InvalidChannelUriException {
    String v = uri.string(name, null);
    if (v != null && v.isEmpty()) {
      throw new InvalidChannelUriException(where, name + "= is empty");
    }
    return v;
  }
}
