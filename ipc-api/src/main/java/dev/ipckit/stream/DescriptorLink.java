package dev.ipckit.stream;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import dev.ipckit.IpcException;
import dev.ipckit.internal.SocketCalls;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A {@link StreamLink} over raw descriptors, one read and one written (the same one for a socket),
 * with the system calls made through JNA: non-blocking reads and writes, and waits that are one
 * {@code poll(2)} which also watches an eventfd, so {@link #close()} wakes a waiting reader or writer
 * at once. A descriptor is released only after every call using it has returned, so its number can
 * never be reused under a running read.
 *
 * <p>Why not a selectable channel: on a Unix socket junixsocket's channel and selector cost about
 * 1.5 us more per read and write than the bare calls, and with 1 KiB messages, 60 to a batch,
 * that was a third of the throughput (0.5x a blocking JDK channel against 0.8x this way, the same
 * engine above both). Subclasses say how a descriptor is read, how output is shut and how the
 * descriptors are released: pipes (ipc-pipe) and Unix sockets ({@link UnixSocketLink}). Needs JNA.
 */
public abstract class DescriptorLink implements StreamLink {
  private static final int SCRATCH = 64 << 10;
  private static final byte[] ONE = {1, 0, 0, 0, 0, 0, 0, 0};

  protected final int in;
  protected final int out;
  private final int wake;
  private final Memory readPoll = new Memory(16);
  private final Memory writePoll = new Memory(16);
  private final ByteBuffer readScratch = ByteBuffer.allocateDirect(SCRATCH);
  private final ByteBuffer writeScratch = ByteBuffer.allocateDirect(SCRATCH);
  /** Shared by the reader, exclusive for releasing {@code in}. */
  private final ReentrantReadWriteLock inGate = new ReentrantReadWriteLock();
  /** Shared by the writer, exclusive for shutting or releasing {@code out}. */
  private final ReentrantReadWriteLock outGate = new ReentrantReadWriteLock();
  private final AtomicBoolean closing = new AtomicBoolean();
  private volatile boolean closed;
  private boolean outputShut; // written under outGate's write lock

  /** Reads {@code in} and writes {@code out}, both made non-blocking here. */
  protected DescriptorLink(int in, int out) throws IpcException {
    setNonBlocking(in);
    if (out != in) {
      setNonBlocking(out);
    }
    int w = SocketCalls.eventfd(0, SocketCalls.EFD_CLOEXEC | SocketCalls.EFD_NONBLOCK);
    if (w < 0) {
      throw new IpcException("eventfd failed: " + SocketCalls.lastError());
    }
    this.in = in;
    this.out = out;
    this.wake = w;
    setPoll(readPoll, in, SocketCalls.POLLIN);
    setPoll(writePoll, out, SocketCalls.POLLOUT);
  }

  private static void setNonBlocking(int fd) throws IpcException {
    int flags = SocketCalls.fcntl(fd, SocketCalls.F_GETFL, 0);
    if (flags < 0 || SocketCalls.fcntl(fd, SocketCalls.F_SETFL, flags | SocketCalls.O_NONBLOCK) < 0) {
      throw new IpcException("cannot make fd " + fd + " non-blocking: " + SocketCalls.lastError());
    }
  }

  private void setPoll(Memory m, int fd, short events) {
    m.setInt(0, fd);
    m.setShort(4, events);
    m.setInt(8, wake);
    m.setShort(12, SocketCalls.POLLIN);
  }

  /** One read of up to {@code count} bytes to {@code address}, as read(2): bytes, 0 at end, -1 and errno. */
  protected long readCall(long address, long count) {
    return SocketCalls.read(in, address, count);
  }

  /** One write of up to {@code count} bytes from {@code address}, as write(2). */
  protected long writeCall(long address, long count) {
    return SocketCalls.write(out, address, count);
  }

  /** Ends the output: the peer reads end of stream after what was written. No write is running. */
  protected abstract void shutOutput();

  /** Releases the descriptors; nothing uses them any more. Called once. */
  protected abstract void release();

  @Override
  public int read(ByteBuffer dst, long timeoutNanos) throws IOException {
    if (!dst.hasRemaining()) {
      return 0;
    }
    inGate.readLock().lock();
    try {
      ensureOpen();
      long deadline = System.nanoTime() + timeoutNanos;
      while (true) {
        int n = readOnce(dst);
        if (n != 0 || timeoutNanos <= 0) {
          return n;
        }
        long left = deadline - System.nanoTime();
        if (left <= 0 || !await(readPoll, left)) {
          return 0;
        }
      }
    } finally {
      inGate.readLock().unlock();
    }
  }

  @Override
  public boolean awaitReadable(long timeoutNanos) throws IOException {
    inGate.readLock().lock();
    try {
      ensureOpen();
      return timeoutNanos > 0 && await(readPoll, timeoutNanos);
    } finally {
      inGate.readLock().unlock();
    }
  }

  /** Bytes read, -1 at end of stream, 0 if none are ready. */
  private int readOnce(ByteBuffer dst) throws IOException {
    ByteBuffer target = dst.isDirect() ? dst : readScratch.clear().limit(Math.min(SCRATCH, dst.remaining()));
    while (true) {
      long n = readCall(address(target) + target.position(), target.remaining());
      if (n > 0) {
        if (target == dst) {
          dst.position(dst.position() + (int) n);
        } else {
          dst.put(readScratch.limit((int) n).position(0));
        }
        return (int) n;
      }
      if (n == 0) {
        return -1;
      }
      int err = SocketCalls.errno();
      if (err == SocketCalls.EAGAIN) {
        return 0;
      }
      if (err != SocketCalls.EINTR) {
        throw new IOException("read from fd " + in + " failed: " + SocketCalls.describe(err));
      }
    }
  }

  @Override
  public long write(ByteBuffer[] srcs, long timeoutNanos) throws IOException {
    long deadline = System.nanoTime() + timeoutNanos;
    return asWriter(() -> {
      long total = 0;
      for (ByteBuffer src : srcs) {
        while (src.hasRemaining()) {
          int n = writeOnce(src);
          total += n;
          if (src.hasRemaining() && (n == 0 || n < SCRATCH || src.isDirect())) {
            // the buffer is full (a write stops short only then): retrying at once would only fail
            if (!awaitWritable(deadline, timeoutNanos)) {
              return total;
            }
          }
        }
      }
      return total;
    });
  }

  /**
   * Waits, until {@code deadline}, for room to write; false on timeout (or when the caller may not
   * wait). Writer only, holding the output gate.
   */
  protected final boolean awaitWritable(long deadline, long timeoutNanos) throws IOException {
    long left = deadline - System.nanoTime();
    return timeoutNanos > 0 && left > 0 && await(writePoll, left);
  }

  /** Runs {@code body} as a writer: with the output gate held and the link open. */
  protected final long asWriter(WriterCall body) throws IOException {
    outGate.readLock().lock();
    try {
      ensureOpen();
      if (outputShut) {
        throw new ClosedChannelException();
      }
      return body.call();
    } finally {
      outGate.readLock().unlock();
    }
  }

  /** A write made through {@link #asWriter}. */
  protected interface WriterCall {
    long call() throws IOException;
  }

  /** Bytes written, 0 if the buffer is full. */
  private int writeOnce(ByteBuffer src) throws IOException {
    ByteBuffer from = src;
    if (!src.isDirect()) {
      int len = Math.min(SCRATCH, src.remaining());
      from = writeScratch.clear();
      from.put(0, src, src.position(), len).limit(len);
    }
    while (true) {
      long n = writeCall(address(from) + from.position(), from.remaining());
      if (n >= 0) {
        src.position(src.position() + (int) n);
        return (int) n;
      }
      int err = SocketCalls.errno();
      if (err == SocketCalls.EAGAIN) {
        return 0;
      }
      if (err != SocketCalls.EINTR) {
        throw new IOException("write to fd " + out + " failed: " + SocketCalls.describe(err)
            + (err == SocketCalls.EPIPE ? " (the reader closed its end)" : ""));
      }
    }
  }

  /** Polls the descriptor and the wake-up eventfd; true if the descriptor is ready. */
  private boolean await(Memory fds, long nanos) throws IOException {
    if (Thread.currentThread().isInterrupted()) {
      throw new InterruptedIOException("interrupted while waiting on fd " + in);
    }
    int millis = (int) Math.min(Integer.MAX_VALUE, Math.max(1, TimeUnit.NANOSECONDS.toMillis(nanos + 999_999)));
    fds.setShort(6, (short) 0);
    fds.setShort(14, (short) 0);
    int n = SocketCalls.poll(fds, 2, millis);
    if (n < 0 && SocketCalls.errno() != SocketCalls.EINTR) {
      throw new IOException("poll failed: " + SocketCalls.lastError());
    }
    if (closed || fds.getShort(14) != 0) {
      throw new ClosedChannelException();
    }
    return n > 0;
  }

  /** The native address of a direct buffer's first byte. */
  protected static long address(ByteBuffer direct) {
    return Pointer.nativeValue(Native.getDirectBufferPointer(direct));
  }

  protected final void ensureOpen() throws ClosedChannelException {
    if (closed) {
      throw new ClosedChannelException();
    }
  }

  @Override
  public void shutdownOutput() throws IOException {
    outGate.writeLock().lock();
    try {
      if (!outputShut && !closed) {
        outputShut = true;
        shutOutput();
      }
    } finally {
      outGate.writeLock().unlock();
    }
  }

  @Override
  public void close() {
    if (!closing.compareAndSet(false, true)) {
      return;
    }
    closed = true;
    try (Memory one = new Memory(8)) {
      one.write(0, ONE, 0, 8);
      SocketCalls.write(wake, Pointer.nativeValue(one), 8);
    }
    // the eventfd stays readable, so every wait now returns at once; the descriptors are released
    // once no call is using them
    inGate.writeLock().lock();
    outGate.writeLock().lock();
    try {
      release();
    } finally {
      outGate.writeLock().unlock();
      inGate.writeLock().unlock();
    }
    SocketCalls.close(wake);
  }
}
