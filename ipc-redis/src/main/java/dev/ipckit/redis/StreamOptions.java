package dev.ipckit.redis;

import dev.ipckit.ChannelUri;
import dev.ipckit.InvalidChannelUriException;
import dev.ipckit.redis.internal.EntryIds;
import java.time.Duration;
import java.util.Set;

/**
 * The options of {@code redis-stream://} and {@code rediss-stream://} beyond the common ones
 * (docs/REDIS.md has the table).
 *
 * @param stream the stream a stream channel reads with its consumer group (and writes, unless {@code to})
 * @param to the stream a stream channel writes to, if not {@code stream}
 * @param server the name of an ipckit server (client/server pairs over two streams per client)
 * @param group the consumer group that reads {@code stream}
 * @param consumer this reader's name in the group; the same name after a restart resumes its
 *     pending entries
 * @param receive false for a channel that only writes (no group, no reader thread)
 * @param groupStart the id XGROUP CREATE gets when this channel creates its group, the last id
 *     the group counts as seen: {@code 0} ({@code start=first}), {@code $} ({@code start=new}), or
 *     the id just before {@code start=ID}, so that the group's first entry is the one AT that id
 * @param claimAfter entries pending this long at another consumer are claimed (XAUTOCLAIM); zero: never
 * @param maxLen XADD's {@code MAXLEN ~}: the stream keeps about this many entries; zero: no trim
 * @param count most entries one XREADGROUP takes
 * @param heartbeat pairs: how often each end renews its liveness key and reads its peer's
 * @param peerTimeout pairs: a peer whose liveness key is gone this long is lost
 * @param backoff first delay between reconnect attempts, growing 1.5x
 * @param maxBackoff cap of the reconnect delay
 * @param receiveQueue bytes read ahead from Redis and held locally; for pairs also the window of
 *     bytes a sender may have unconsumed at its peer
 */
public record StreamOptions(
    String stream,
    String to,
    String server,
    String group,
    String consumer,
    boolean receive,
    String groupStart,
    Duration claimAfter,
    long maxLen,
    int count,
    Duration heartbeat,
    Duration peerTimeout,
    Duration backoff,
    Duration maxBackoff,
    long receiveQueue) {

  public static final Set<String> NAMES = Set.of("stream", "to", "server", "group", "consumer", "receive",
      "start", "claimAfter", "maxLen", "count", "heartbeat", "peerTimeout", "backoff", "maxBackoff",
      "receiveQueue");

  public static StreamOptions from(ChannelUri uri) throws InvalidChannelUriException {
    String where = RedisEndpoint.redact(uri.toString());
    String stream = nonEmpty(uri, where, "stream");
    String to = nonEmpty(uri, where, "to");
    String server = nonEmpty(uri, where, "server");
    if (server != null && (stream != null || to != null)) {
      throw new InvalidChannelUriException(where, "server= names a client/server pair and cannot be"
          + " combined with stream= or to=");
    }
    if (server == null && stream == null && to == null) {
      throw new InvalidChannelUriException(where, "say which Redis stream: ?stream=NAME (read with a consumer"
          + " group and write), &to=NAME (write elsewhere) or ?server=NAME (client/server pair)");
    }
    boolean receive = uri.bool("receive", true);
    if (server == null && receive && stream == null) {
      throw new InvalidChannelUriException(where, "to= alone only writes: add stream=NAME to read, or receive=false");
    }
    String groupStart = groupStart(uri.string("start", "first"), where);
    Duration heartbeat = uri.duration("heartbeat", Duration.ofSeconds(1));
    Duration peerTimeout = uri.duration("peerTimeout", Duration.ofSeconds(3));
    if (heartbeat.isZero() || peerTimeout.compareTo(heartbeat.multipliedBy(2)) < 0) {
      throw new InvalidChannelUriException(where, "heartbeat=" + heartbeat.toMillis() + "ms must be above zero and"
          + " peerTimeout=" + peerTimeout.toMillis() + "ms at least twice as long");
    }
    Duration backoff = uri.duration("backoff", Duration.ofMillis(100));
    Duration maxBackoff = uri.duration("maxBackoff", Duration.ofSeconds(2));
    if (backoff.isZero() || maxBackoff.compareTo(backoff) < 0) {
      throw new InvalidChannelUriException(where, "backoff must be above zero and at most maxBackoff");
    }
    long maxLen = uri.integer("maxLen", 1_000_000);
    if (maxLen < 0) {
      throw new InvalidChannelUriException(where, "maxLen=" + maxLen + " must be 0 (no trimming) or more");
    }
    long count = uri.integer("count", 512);
    if (count < 1 || count > 100_000) {
      throw new InvalidChannelUriException(where, "count=" + count + " must be between 1 and 100000");
    }
    long receiveQueue = uri.size("receiveQueue", 8L << 20);
    if (receiveQueue < 4096) {
      throw new InvalidChannelUriException(where, "receiveQueue=" + receiveQueue + " must be at least 4KiB");
    }
    String consumer = nonEmpty(uri, where, "consumer");
    if (consumer == null) {
      consumer = defaultConsumer();
    }
    return new StreamOptions(stream, to, server, uri.string("group", "ipckit"), consumer, receive,
        groupStart, uri.duration("claimAfter", Duration.ofSeconds(30)), maxLen, (int) count,
        heartbeat, peerTimeout, backoff, maxBackoff, receiveQueue);
  }

  private static String groupStart(String start, String where) throws InvalidChannelUriException {
    switch (start) {
      case "first":
        return "0";
      case "new":
        return "$";
      default:
        try {
          return EntryIds.before(start);
        } catch (IllegalArgumentException e) {
          throw new InvalidChannelUriException(where, "start=" + start + ": expected first (a new group reads the"
              + " stream from its beginning), new (only entries added after the group was created) or an entry"
              + " id such as 1700000000000-5 (from that entry on): " + e.getMessage());
        }
    }
  }

  private static final java.util.concurrent.atomic.AtomicInteger OPENED = new java.util.concurrent.atomic.AtomicInteger();

  /** {@code host-pid-n}: unique per channel, readable in XINFO CONSUMERS; a restart gets a new one. */
  private static String defaultConsumer() {
    String host;
    try {
      host = java.net.InetAddress.getLocalHost().getHostName();
    } catch (java.io.IOException e) {
      host = "host";
    }
    return host + "-" + ProcessHandle.current().pid() + "-" + OPENED.incrementAndGet();
  }

  private static String nonEmpty(ChannelUri uri, String where, String name) throws InvalidChannelUriException {
    String v = uri.string(name, null);
    if (v != null && v.isEmpty()) {
      throw new InvalidChannelUriException(where, name + "= is empty");
    }
    return v;
  }
}
