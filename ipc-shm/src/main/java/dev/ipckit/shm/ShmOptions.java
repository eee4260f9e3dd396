package dev.ipckit.shm;

import dev.ipckit.ChannelUri;
import dev.ipckit.InvalidChannelUriException;
import dev.ipckit.shm.internal.Idler;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;

/**
 * The options of {@code shm:} URIs beyond the common ones ({@link dev.ipckit.ChannelOptions}).
 *
 * <table>
 *   <caption>shm: options</caption>
 *   <tr><th>option</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>heartbeat</td><td>250ms</td><td>how often each side beats its control block</td></tr>
 *   <tr><td>peerTimeout</td><td>3s</td><td>a peer whose heartbeat has not moved for this long is lost
 *       (a peer process that is gone from this pid namespace is lost at the next beat); at least
 *       twice {@code heartbeat}. A peer that beats more slowly gets two of its own intervals</td></tr>
 *   <tr><td>wait</td><td>backoff</td><td>how a receive waits for a message, and a send for room in
 *       {@code sendBuffer}: {@code backoff} (spin, yield, then park up to 1 ms: an idle channel costs
 *       no core) or {@code busy} (spin, yielding the core once per 256 empty looks: lowest latency,
 *       one core per waiting thread)</td></tr>
 *   <tr><td>rollCycle</td><td>daily</td><td>how often the queues start a new file: {@code minutely}
 *       (five minutes), {@code hourly}, {@code daily}, or any Chronicle roll cycle name
 *       ({@code FAST_HOURLY}, {@code TEN_MINUTELY}, ...)</td></tr>
 *   <tr><td>deleteOnClose</td><td>true (server, client), false (log)</td><td>remove a connection's files
 *       once both sides have closed and the server's directory when the server closes; a log's
 *       directory when the channel closes</td></tr>
 *   <tr><td>log</td><td>false</td><td>open the directory as a durable log (see {@link ShmLogChannel})
 *       instead of connecting to a server; implied by {@code reader}</td></tr>
 *   <tr><td>reader</td><td>(none)</td><td>the name of a durable reader of a log: its position is kept in
 *       the log, and it resumes there after a restart</td></tr>
 *   <tr><td>start</td><td>beginning</td><td>where a log reader with no saved position starts:
 *       {@code beginning}, {@code end}, or an index (decimal or 0x hex)</td></tr>
 *   <tr><td>retain</td><td>0 (keep all)</td><td>a log removes the files of cycles last written longer
 *       ago than this when it rolls. A connection removes each file of its incoming queue once it has
 *       read past it, whatever this says</td></tr>
 * </table>
 */
public record ShmOptions(
    Duration heartbeat,
    Duration peerTimeout,
    Wait waitStrategy,
    String rollCycle,
    Boolean deleteOnCloseOption,
    boolean log,
    String reader,
    String start,
    Duration retain) {

  /** The option names of shm: URIs. */
  public static final Set<String> NAMES =
      Set.of("heartbeat", "peerTimeout", "wait", "rollCycle", "deleteOnClose", "log", "reader", "start", "retain");

  /** How a receive waits for the next message. */
  public enum Wait {
    /** Spin, then yield, then park with growing pauses up to 1 ms. */
    BACKOFF,
    /** Spin (yielding the core once per 256 empty looks): the lowest latency, a core per waiting thread. */
    BUSY
  }

  public static ShmOptions defaults() {
    return new ShmOptions(Duration.ofMillis(250), Duration.ofSeconds(3), Wait.BACKOFF, "daily", null, false,
        null, "beginning", Duration.ZERO);
  }

  public static ShmOptions from(ChannelUri uri) throws InvalidChannelUriException {
    ShmOptions d = defaults();
    Duration heartbeat = uri.duration("heartbeat", d.heartbeat);
    Duration peerTimeout = uri.duration("peerTimeout", d.peerTimeout);
    if (heartbeat.toMillis() < 1 || heartbeat.toMinutes() > 10) {
      throw new InvalidChannelUriException(uri.toString(), "heartbeat=" + heartbeat.toMillis()
          + "ms must be between 1ms and 10m");
    }
    if (peerTimeout.compareTo(heartbeat.multipliedBy(2)) < 0) {
      throw new InvalidChannelUriException(uri.toString(), "peerTimeout=" + peerTimeout.toMillis()
          + "ms must be at least twice heartbeat=" + heartbeat.toMillis() + "ms");
    }
    Wait waitStrategy;
    String w = uri.string("wait", "backoff").toLowerCase(Locale.ROOT);
    switch (w) {
      case "backoff" -> waitStrategy = Wait.BACKOFF;
      case "busy", "busy-spin", "spin" -> waitStrategy = Wait.BUSY;
      default -> throw new InvalidChannelUriException(uri.toString(), "wait=" + w + " is not backoff or busy");
    }
    String start = uri.string("start", d.start);
    if (!start.equals("beginning") && !start.equals("end") && parseIndex(start) < 0) {
      throw new InvalidChannelUriException(uri.toString(), "start=" + start
          + " is not beginning, end, or an index (decimal or 0x hex)");
    }
    String reader = uri.string("reader", null);
    if (reader != null && !reader.matches("[A-Za-z0-9_.-]{1,64}")) {
      throw new InvalidChannelUriException(uri.toString(), "reader=" + reader
          + " must be 1 to 64 letters, digits, '_', '.' or '-'");
    }
    Boolean deleteOnClose = uri.options().containsKey("deleteOnClose") ? uri.bool("deleteOnClose", true) : null;
    return new ShmOptions(heartbeat, peerTimeout, waitStrategy, uri.string("rollCycle", d.rollCycle),
        deleteOnClose, uri.bool("log", false) || reader != null, reader, start, uri.duration("retain", d.retain));
  }

  /** Whether to remove files on close: as asked, else yes for connections and no for a log. */
  public boolean deleteOnClose(boolean isLog) {
    return deleteOnCloseOption != null ? deleteOnCloseOption : !isLog;
  }

  /** How a waiting loop idles under {@code wait}. */
  Idler idler() {
    return waitStrategy == Wait.BUSY ? Idler.BUSY : Idler.BACKOFF;
  }

  /** The index in {@code start}, or -1 if it is not one. */
  static long parseIndex(String s) {
    try {
      long v = s.startsWith("0x") ? Long.parseUnsignedLong(s.substring(2), 16) : Long.parseLong(s);
      return v < 0 ? -1 : v;
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
