package dev.ipckit.bench;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * One connected end of a benchmark row, raw JDK socket or ipckit channel. The peer child plays
 * {@link #sendFor} then {@link #echo}; the parent plays {@link #receive} then {@link #roundTrip}
 * and {@link #sendEnd}. Both implementations do the same work per message, so the difference
 * between their rows is the cost of the library.
 *
 * <p>Wire protocol of a row: the child sends messages of one size (byte 0 of message {@code i} is
 * {@code (byte) i}) followed by an empty message, the stop marker; then it echoes every message
 * back until an empty one, the end marker, arrives.
 */
interface BenchLink extends Closeable {

  /** Sends {@code payload} (its first byte set to the sequence number) for {@code nanos}, then the stop marker. */
  void sendFor(ByteBuffer payload, long nanos) throws IOException;

  /** Receives until the stop marker, reporting each batch to {@code meter}. */
  ThroughputResult receive(ThroughputMeter meter) throws IOException;

  /** Echoes every message back until the end marker or end of stream. */
  void echo() throws IOException;

  /** Sends {@code payload} (position and limit unchanged) and waits for its echo. */
  void roundTrip(ByteBuffer payload) throws IOException;

  /** Sends the end marker: the child's echo loop returns. */
  void sendEnd() throws IOException;

  /** Sum of the first byte of every message received, so no receive loop can be optimised away. */
  long checksum();
}
