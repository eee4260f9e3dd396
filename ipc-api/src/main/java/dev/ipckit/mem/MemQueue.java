package dev.ipckit.mem;

import dev.ipckit.ChannelClosedException;
import dev.ipckit.SendTimeoutException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/** One direction of a mem: channel: a queue bounded in bytes, closable from either end. */
final class MemQueue {
  private final String uri;
  private final long capacity;
  private final ArrayDeque<ByteBuffer> messages = new ArrayDeque<>();
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition notEmpty = lock.newCondition();
  private final Condition notFull = lock.newCondition();
  private long bytes;
  private boolean writerClosed;
  private boolean readerClosed;

  MemQueue(String uri, long capacity) {
    this.uri = uri;
    this.capacity = capacity;
  }

  void put(ByteBuffer message, long timeoutNanos) throws ChannelClosedException, SendTimeoutException {
    long deadline = System.nanoTime() + timeoutNanos;
    lock.lock();
    try {
      // a message larger than the whole capacity still goes through once the queue is empty
      while (!writerClosed && !readerClosed && !messages.isEmpty() && bytes + message.remaining() > capacity) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new SendTimeoutException("send on " + uri + " timed out: " + bytes
              + " bytes unread by the peer (sendBuffer " + capacity + ")");
        }
        notFull.awaitNanos(left);
      }
      if (writerClosed) {
        throw new ChannelClosedException("channel " + uri + " is closed");
      }
      if (readerClosed) {
        throw new ChannelClosedException("peer closed channel " + uri);
      }
      messages.add(message);
      bytes += message.remaining();
      notEmpty.signal();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ChannelClosedException("interrupted while sending on " + uri, e);
    } finally {
      lock.unlock();
    }
  }

  /** The next message, null on timeout; throws once the writer has closed and all is consumed. */
  ByteBuffer take(long timeoutNanos, boolean wait) throws ChannelClosedException {
    long deadline = System.nanoTime() + timeoutNanos;
    lock.lock();
    try {
      while (messages.isEmpty()) {
        if (readerClosed) {
          throw new ChannelClosedException("channel " + uri + " is closed");
        }
        if (writerClosed) {
          throw new ChannelClosedException("peer closed channel " + uri);
        }
        long left = deadline - System.nanoTime();
        if (!wait || left <= 0) {
          return null;
        }
        notEmpty.awaitNanos(left);
      }
      ByteBuffer m = messages.poll();
      bytes -= m.remaining();
      notFull.signalAll();
      return m;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ChannelClosedException("interrupted while receiving on " + uri, e);
    } finally {
      lock.unlock();
    }
  }

  boolean isEmpty() {
    lock.lock();
    try {
      return messages.isEmpty();
    } finally {
      lock.unlock();
    }
  }

  void closeWriter() {
    lock.lock();
    try {
      writerClosed = true;
      notEmpty.signalAll();
      notFull.signalAll();
    } finally {
      lock.unlock();
    }
  }

  void closeReader() {
    lock.lock();
    try {
      readerClosed = true;
      messages.clear();
      bytes = 0;
      notEmpty.signalAll();
      notFull.signalAll();
    } finally {
      lock.unlock();
    }
  }

  boolean isClosed() {
    lock.lock();
    try {
      return writerClosed || readerClosed;
    } finally {
      lock.unlock();
    }
  }
}
