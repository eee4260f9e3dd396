package dev.ipckit;

import java.time.Duration;
import java.util.Set;

/**
 * The options every transport understands, read from a {@link ChannelUri}. Transports add their
 * own (see each provider's {@code options()}); an option no one understands is an error, since a
 * misspelt limit silently ignored is worse than a refusal.
 *
 * <table>
 *   <caption>Common options</caption>
 *   <tr><th>option</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>maxMessage</td><td>16MiB</td><td>largest message either side may send; larger ones
 *       fail with MessageTooLargeException before anything is written</td></tr>
 *   <tr><td>sendBuffer</td><td>128KiB</td><td>unsent bytes held per channel before send blocks</td></tr>
 *   <tr><td>receiveBuffer</td><td>256KiB</td><td>bytes read from the transport per system call</td></tr>
 *   <tr><td>sendTimeout</td><td>30s</td><td>how long send waits for room before SendTimeoutException;
 *       also bounds how long close waits to flush</td></tr>
 *   <tr><td>receiveTimeout</td><td>0 (forever)</td><td>timeout of receive() without an argument</td></tr>
 *   <tr><td>connectTimeout</td><td>10s</td><td>how long open waits for the peer</td></tr>
 *   <tr><td>retry</td><td>0 (off)</td><td>client reconnect: first delay between attempts, growing 1.5x
 *       up to 30s (node-ipc's retry)</td></tr>
 *   <tr><td>maxRetries</td><td>10</td><td>reconnect attempts before the channel gives up</td></tr>
 * </table>
 */
public record ChannelOptions(
    long maxMessage,
    int sendBuffer,
    int receiveBuffer,
    Duration sendTimeout,
    Duration receiveTimeout,
    Duration connectTimeout,
    Duration retry,
    int maxRetries) {

  public static final Set<String> NAMES = Set.of(
      "maxMessage", "sendBuffer", "receiveBuffer", "sendTimeout", "receiveTimeout",
      "connectTimeout", "retry", "maxRetries");

  /** Frames carry a 31-bit length. */
  public static final long MAX_MESSAGE_LIMIT = Integer.MAX_VALUE - 8;

  public static ChannelOptions defaults() {
    return new ChannelOptions(16L << 20, 128 << 10, 256 << 10, Duration.ofSeconds(30),
        Duration.ZERO, Duration.ofSeconds(10), Duration.ZERO, 10);
  }

  public static ChannelOptions from(ChannelUri uri) throws InvalidChannelUriException {
    return from(uri, defaults());
  }

  /**
   * The options {@code uri} sets, {@code d}'s where it sets none: for a transport whose defaults
   * differ from the common ones (its documentation says which).
   */
  public static ChannelOptions from(ChannelUri uri, ChannelOptions d) throws InvalidChannelUriException {
    long maxMessage = uri.size("maxMessage", d.maxMessage);
    if (maxMessage > MAX_MESSAGE_LIMIT) {
      throw new InvalidChannelUriException(uri.toString(),
          "maxMessage=" + maxMessage + " is above the protocol's limit of " + MAX_MESSAGE_LIMIT);
    }
    long sendBuffer = uri.size("sendBuffer", d.sendBuffer);
    long receiveBuffer = uri.size("receiveBuffer", d.receiveBuffer);
    for (var e : new Object[][] {{"sendBuffer", sendBuffer}, {"receiveBuffer", receiveBuffer}}) {
      long v = (Long) e[1];
      if (v < 4096 || v > (1 << 30)) {
        throw new InvalidChannelUriException(uri.toString(),
            "option " + e[0] + "=" + v + " must be between 4KiB and 1GiB");
      }
    }
    long maxRetries = uri.integer("maxRetries", d.maxRetries);
    if (maxRetries < 0 || maxRetries > Integer.MAX_VALUE) {
      throw new InvalidChannelUriException(uri.toString(), "maxRetries=" + maxRetries + " must be 0 or more");
    }
    return new ChannelOptions(maxMessage, (int) sendBuffer, (int) receiveBuffer,
        uri.duration("sendTimeout", d.sendTimeout),
        uri.duration("receiveTimeout", d.receiveTimeout),
        uri.duration("connectTimeout", d.connectTimeout),
        uri.duration("retry", d.retry),
        (int) maxRetries);
  }

  /** These options with another {@code sendBuffer}. */
  public ChannelOptions withSendBuffer(int bytes) {
    return new ChannelOptions(maxMessage, bytes, receiveBuffer, sendTimeout, receiveTimeout, connectTimeout, retry,
        maxRetries);
  }
}
