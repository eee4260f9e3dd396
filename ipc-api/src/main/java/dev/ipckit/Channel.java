package dev.ipckit;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Optional;

/**
 * A duplex, message-oriented channel to one peer. Every transport implements this one contract
 * and passes the one conformance suite (ipc-tests).
 *
 * <p>A message is a byte sequence of any length up to the channel's {@code maxMessage}; the empty
 * message is legal. Messages arrive whole or not at all.
 *
 * <p><b>Threading.</b> {@link #send} and {@link #flush} may be called from any number of threads at
 * once; messages from one thread keep their order. {@link #receive} and {@link #poll} are for one
 * reading thread at a time (concurrent calls are serialised). {@link #close} may be called from
 * any thread, any number of times.
 *
 * <p><b>Backpressure.</b> Unsent data is bounded ({@code sendBuffer}); past that, {@code send}
 * blocks up to {@code sendTimeout} and then throws {@link SendTimeoutException}. Memory never
 * grows because a peer is slow.
 */
public interface Channel extends Closeable {

  /** The URI this channel was opened or accepted with; every error message names it. */
  String uri();

  Capabilities capabilities();

  /**
   * Sends the remaining bytes of {@code message} as one message. The bytes are copied or written
   * before this returns, so the caller may reuse the buffer; delivery to the peer may happen
   * after the return (many small messages share one system call), promptly and in order.
   *
   * @throws MessageTooLargeException before anything is sent; the channel stays usable
   * @throws SendTimeoutException the outgoing buffer stayed full for the send timeout
   * @throws ChannelClosedException the channel was closed by either side
   */
  void send(ByteBuffer message) throws IOException;

  default void send(byte[] message) throws IOException {
    send(ByteBuffer.wrap(message));
  }

  /**
   * Sends {@code message} with open {@code handles} (capability {@link Capability#PASSES_HANDLES}):
   * the receiver gets them with the message from {@link #receiveWithHandles}. The handles stay
   * open here. Without handles this is {@link #send(ByteBuffer)}.
   *
   * @throws TransportUnavailableException this channel's transport cannot pass handles; nothing
   *     was sent
   */
  default void send(ByteBuffer message, Handle... handles) throws IOException {
    if (handles.length == 0) {
      send(message);
      return;
    }
    throw new TransportUnavailableException("cannot send handles on " + uri() + ": its transport does not "
        + "declare PASSES_HANDLES (fd: and unix: channels can pass open sockets)");
  }

  /**
   * Receives one message with the handles that came with it, which the caller then owns. A
   * message that carried handles but is taken with {@link #receive} or {@link #poll} has its
   * handles closed. The default, for transports without PASSES_HANDLES, is {@link #receive}
   * with no handles.
   *
   * @return the delivery, or {@code null} if no message arrived within {@code timeout}
   */
  default Delivery receiveWithHandles(Duration timeout) throws IOException {
    ByteBuffer m = receive(timeout);
    return m == null ? null : new Delivery(m, java.util.List.of());
  }

  /** Waits until everything sent so far has been handed to the transport. */
  void flush() throws IOException;

  /**
   * Receives one message into a new buffer the caller owns.
   *
   * @return the message, or {@code null} if none arrived within {@code timeout}
   * @throws ChannelClosedException the peer closed (after all its messages were received) or the
   *     connection was lost
   * @throws ProtocolException the peer sent bytes that are not a valid frame; the channel is closed
   */
  ByteBuffer receive(Duration timeout) throws IOException;

  /** The channel's {@code receiveTimeout} option; zero waits for ever. */
  default Duration receiveTimeout() {
    return Duration.ZERO;
  }

  /** {@link #receive(Duration)} with the channel's {@link #receiveTimeout()}. */
  default ByteBuffer receive() throws IOException {
    Duration t = receiveTimeout();
    ByteBuffer m;
    do {
      m = receive(t.isZero() ? Duration.ofDays(1) : t);
    } while (m == null && t.isZero());
    return m;
  }

  /**
   * Hands up to {@code limit} messages that are ready, without copying, to {@code handler},
   * waiting up to {@code timeout} for the first one. The fast path for high message rates.
   *
   * @return how many messages were handled; 0 on timeout
   */
  int poll(MessageHandler handler, int limit, Duration timeout) throws IOException;

  /** False once either side has closed or the connection was lost. */
  boolean isOpen();

  /** The peer's pid/uid/gid where the transport can know them (capability PEER_CREDENTIALS). */
  default Optional<PeerCredentials> peerCredentials() {
    return Optional.empty();
  }

  /**
   * Flushes what was sent (waiting up to the send timeout), tells the peer, and releases every
   * resource. Idempotent.
   */
  @Override
  void close() throws IOException;
}
