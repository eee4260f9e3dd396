package dev.ipckit.pipe.internal;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import dev.ipckit.IpcException;
import dev.ipckit.stream.StreamLink;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A {@link StreamLink} over two raw descriptors, one read and one written (the two pipes between
 * a parent and a child's stdin/stdout), with read(2), write(2) and poll(2) through JNA. Both are
 * non-blocking; waits are polls that also watch an eventfd, so {@link #close()} wakes a waiting
 * reader or writer at once, and a descriptor is closed only after every call using it has
 * returned (its number can then never be reused under a running read). Not API.
 */
public final class PipeLink implements StreamLink {
  private static final int SCRATCH = 64 << 10;
  private static final byte[] ONE = {1, 0, 0, 0, 0, 0, 0, 0};

  private final int in;
  private final int out;
  private final int wake;
  private final Memory readPoll = new Memory(16);
  private final Memory writePoll = new Memory(16);
  private final ByteBuffer readScratch = ByteBuffer.allocateDirect(SCRATCH);
  private final ByteBuffer writeScratch = ByteBuffer.allocateDirect(SCRATCH);
  /** Shared by the reader, exclusive for closing {@code in}. */
  private final ReentrantReadWriteLock inGate = new ReentrantReadWriteLock();
  /** Shared by the writer, exclusive for closing {@code out}: a reader never delays a shutdownOutput. */
  private final ReentrantReadWriteLock outGate = new ReentrantReadWriteLock();
  private final AtomicBoolean closing = new AtomicBoolean();
  private volatile boolean closed;
  private boolean outputShut; // written under outGate's write lock

  /**
   * Takes ownership of {@code in} and {@code out}, which it makes non-blocking; pipes are grown
   * from the kernel's default 64 KiB to 1 MiB where allowed (fewer wake-ups, larger batches).
   */
  public PipeLink(int in, int out) throws IpcException {
    Fds.setNonBlocking(in);
    Fds.setNonBlocking(out);
    Fds.growPipe(in);
    Fds.growPipe(out);
    int w = LibC.eventfd(0, LibC.EFD_CLOEXEC | LibC.EFD_NONBLOCK);
    if (w < 0) {
      throw new IpcException("eventfd failed: " + LibC.describe(LibC.errno()));
    }
    this.in = in;
    this.out = out;
    this.wake = w;
    setPoll(readPoll, in, LibC.POLLIN);
    setPoll(writePoll, out, LibC.POLLOUT);
  }

  private void setPoll(Memory m, int fd, short events) {
    m.setInt(0, fd);
    m.setShort(4, events);
    m.setInt(8, wake);
    m.setShort(12, LibC.POLLIN);
  }

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
      long n = LibC.read(in, address(target) + target.position(), target.remaining());
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
      int err = LibC.errno();
      if (err == LibC.EAGAIN) {
        return 0;
      }
      if (err != LibC.EINTR) {
        throw new IOException("read from fd " + in + " failed: " + LibC.describe(err));
      }
    }
  }

  @Override
  public long write(ByteBuffer[] srcs, long timeoutNanos) throws IOException {
    outGate.readLock().lock();
    try {
      ensureOpen();
      if (outputShut) {
        throw new ClosedChannelException();
      }
      long deadline = System.nanoTime() + timeoutNanos;
      long total = 0;
      for (ByteBuffer src : srcs) {
        while (src.hasRemaining()) {
          int n = writeOnce(src);
          total += n;
          if (src.hasRemaining() && (n == 0 || n < SCRATCH || src.isDirect())) {
            // the pipe is full (a write stops short only then): retrying at once would only fail
            long left = deadline - System.nanoTime();
            if (timeoutNanos <= 0 || left <= 0 || !await(writePoll, left)) {
              return total;
            }
          }
        }
      }
      return total;
    } finally {
      outGate.readLock().unlock();
    }
  }

  /** Bytes written, 0 if the pipe is full. */
  private int writeOnce(ByteBuffer src) throws IOException {
    ByteBuffer from = src;
    if (!src.isDirect()) {
      int len = Math.min(SCRATCH, src.remaining());
      from = writeScratch.clear();
      from.put(0, src, src.position(), len).limit(len);
    }
    while (true) {
      long n = LibC.write(out, address(from) + from.position(), from.remaining());
      if (n >= 0) {
        src.position(src.position() + (int) n);
        return (int) n;
      }
      int err = LibC.errno();
      if (err == LibC.EAGAIN) {
        return 0;
      }
      if (err != LibC.EINTR) {
        throw new IOException("write to fd " + out + " failed: " + LibC.describe(err)
            + (err == LibC.EPIPE ? " (the reader closed its end)" : ""));
      }
    }
  }

  /** Polls the descriptor and the wake-up eventfd; true if the descriptor is ready. */
  private boolean await(Memory fds, long nanos) throws IOException {
    if (Thread.currentThread().isInterrupted()) {
      throw new InterruptedIOException("interrupted while waiting on a pipe");
    }
    int millis = (int) Math.min(Integer.MAX_VALUE, Math.max(1, TimeUnit.NANOSECONDS.toMillis(nanos + 999_999)));
    fds.setShort(6, (short) 0);
    fds.setShort(14, (short) 0);
    int n = LibC.poll(fds, 2, millis);
    if (n < 0 && LibC.errno() != LibC.EINTR) {
      throw new IOException("poll failed: " + LibC.describe(LibC.errno()));
    }
    if (closed || fds.getShort(14) != 0) {
      throw new ClosedChannelException();
    }
    return n > 0;
  }

  private static long address(ByteBuffer direct) {
    return Pointer.nativeValue(Native.getDirectBufferPointer(direct));
  }

  private void ensureOpen() throws ClosedChannelException {
    if (closed) {
      throw new ClosedChannelException();
    }
  }

  /** Closes the write side: the peer reads end of stream after what was written. */
  @Override
  public void shutdownOutput() throws IOException {
    outGate.writeLock().lock();
    try {
      if (!outputShut && !closed) {
        outputShut = true;
        Fds.close(out);
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
      LibC.write(wake, Pointer.nativeValue(one), 8);
    }
    // the eventfd stays readable, so every wait now returns at once; then each side closes its
    // descriptor once no call is using it
    inGate.writeLock().lock();
    try {
      Fds.close(in);
    } finally {
      inGate.writeLock().unlock();
    }
    outGate.writeLock().lock();
    try {
      if (!outputShut) {
        outputShut = true;
        Fds.close(out);
      }
    } finally {
      outGate.writeLock().unlock();
    }
    Fds.close(wake);
  }
}
