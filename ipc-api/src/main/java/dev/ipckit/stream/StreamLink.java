package dev.ipckit.stream;

import java.io.Closeable;
import java.io.FileDescriptor;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A byte stream to one peer, as the framing engine ({@link FramedChannel}) needs it: reads and
 * writes that wait a bounded time, and a close that wakes whoever waits. Sockets, socketpairs and
 * pipes each provide one; the framing, batching and backpressure above it are shared.
 *
 * <p>One thread reads and one thread writes at a time (the engine guarantees it).
 */
public interface StreamLink extends Closeable {

  /**
   * Reads what is available into {@code dst}, waiting up to {@code timeoutNanos} for at least one
   * byte (0: do not wait).
   *
   * @return bytes read, 0 on timeout, -1 at end of stream
   */
  int read(ByteBuffer dst, long timeoutNanos) throws IOException;

  /**
   * Waits up to {@code timeoutNanos} until a read would return data or end of stream.
   *
   * @return false on timeout
   */
  boolean awaitReadable(long timeoutNanos) throws IOException;

  /**
   * Writes from {@code src}, waiting up to {@code timeoutNanos} for room (0: do not wait).
   *
   * @return bytes written, possibly 0 on timeout
   */
  long write(ByteBuffer[] srcs, long timeoutNanos) throws IOException;

  /** Whether this link can carry open descriptors with its bytes (SCM_RIGHTS on a Unix socket). */
  default boolean passesDescriptors() {
    return false;
  }

  /**
   * Like {@link #write}, with {@code descriptors} attached to the first byte that is written
   * (only when {@link #passesDescriptors()}). The caller keeps its descriptors.
   */
  default long writeWithDescriptors(ByteBuffer[] srcs, FileDescriptor[] descriptors, long timeoutNanos)
      throws IOException {
    throw new UnsupportedOperationException("this link cannot pass descriptors");
  }

  /**
   * The descriptors that arrived with the bytes read so far, oldest first, and forgets them: the
   * caller owns them. Empty when none came or the link cannot pass descriptors.
   */
  default FileDescriptor[] takeReceivedDescriptors() {
    return new FileDescriptor[0];
  }

  /** Half-close: the peer reads end of stream after what was written. */
  void shutdownOutput() throws IOException;

  /** Releases the link and wakes a thread blocked in read or write. Idempotent. */
  @Override
  void close() throws IOException;
}
