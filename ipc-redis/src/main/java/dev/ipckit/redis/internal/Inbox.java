package dev.ipckit.redis.internal;

import dev.ipckit.ChannelClosedException;
import dev.ipckit.MessageHandler;
import dev.ipckit.redis.MessageGapException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The received messages of one channel, bounded in bytes (not API). The subscriber thread never
 * blocks here: a message that does not fit is dropped and counted, and the reader is told how
 * many were lost at the place they were lost, like any other gap.
 */
public final class Inbox {
  /** Told of each message or gap a reader took: its sender's sequence number and payload size. */
  public interface Consumed {
    void consumed(long seq, long bytes);
  }

  /**
   * One message (a payload at {@code offset} of {@code bytes}) or, with bytes null, a gap;
   * {@code seq} is the sender's number of the message, or the last one the gap covers (0: none).
   */
  private record Entry(byte[] bytes, int offset, long lost, long seq) {
    int size() {
      return bytes == null ? 0 : bytes.length - offset;
    }
  }

  private final String uri;
  private final long capacity;
  private final ArrayDeque<Entry> entries = new ArrayDeque<>();
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition notEmpty = lock.newCondition();
  private final Condition roomFreed = lock.newCondition();
  private long bytes;
  private long totalLost;
  private boolean closed;
  private String endReason;
  private final Consumed consumed;

  public Inbox(String uri, long capacity, Consumed consumed) {
    this.uri = uri;
    this.capacity = capacity;
    this.consumed = consumed;
  }

  /** Queues the payload at {@code offset}; drops it (reporting a gap) if the queue is full. */
  public void offer(byte[] message, int offset) {
    offer(message, offset, 0);
  }

  /** Queues message number {@code seq} of its sender; drops it (reporting a gap) if the queue is full. */
  public void offer(byte[] message, int offset, long seq) {
    lock.lock();
    try {
      if (closed || endReason != null) {
        return;
      }
      int size = message.length - offset;
      if (!entries.isEmpty() && bytes + size > capacity) {
        addGap(1, seq);
        return;
      }
      entries.add(new Entry(message, offset, 0, seq));
      bytes += size;
      notEmpty.signal();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Queues message number {@code seq} whatever the queue holds: for a reader that asked
   * {@link #awaitRoom} first and so bounds the queue itself (streams, where nothing may be dropped).
   */
  public void put(byte[] message, int offset, long seq) {
    lock.lock();
    try {
      if (closed || endReason != null) {
        return;
      }
      entries.add(new Entry(message, offset, 0, seq));
      bytes += message.length - offset;
      notEmpty.signal();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Waits up to {@code timeoutNanos} until the queue holds less than its capacity.
   *
   * @return the bytes free now (0 if still full, or closed)
   */
  public long awaitRoom(long timeoutNanos) {
    long deadline = System.nanoTime() + timeoutNanos;
    lock.lock();
    try {
      while (!closed && bytes >= capacity) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return 0;
        }
        roomFreed.awaitNanos(left);
      }
      return closed ? 0 : capacity - bytes;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 0;
    } finally {
      lock.unlock();
    }
  }

  /** Records that {@code lost} messages, the last numbered {@code upTo}, are missing here. */
  public void gap(long lost, long upTo) {
    if (lost <= 0) {
      return;
    }
    lock.lock();
    try {
      if (!closed && endReason == null) {
        addGap(lost, upTo);
      }
    } finally {
      lock.unlock();
    }
  }

  private void addGap(long lost, long upTo) {
    totalLost += lost;
    Entry last = entries.peekLast();
    if (last != null && last.bytes == null) {
      entries.pollLast();
      entries.add(new Entry(null, 0, last.lost + lost, Math.max(last.seq, upTo)));
    } else {
      entries.add(new Entry(null, 0, lost, upTo));
    }
    notEmpty.signal();
  }

  /** The stream ended (the peer closed or was lost): readers get what is queued, then {@code reason}. */
  public void end(String reason) {
    lock.lock();
    try {
      if (endReason == null) {
        endReason = reason;
      }
      notEmpty.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** This side closed: queued messages are discarded and readers wake up with ChannelClosedException. */
  public void close() {
    lock.lock();
    try {
      closed = true;
      entries.clear();
      bytes = 0;
      notEmpty.signalAll();
      roomFreed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  public boolean isEnded() {
    lock.lock();
    try {
      return closed || endReason != null && entries.isEmpty();
    } finally {
      lock.unlock();
    }
  }

  /** Messages lost so far (dropped here or reported as gaps). */
  public long totalLost() {
    lock.lock();
    try {
      return totalLost;
    } finally {
      lock.unlock();
    }
  }

  /** The next message as a buffer the caller owns, or null on timeout. */
  public ByteBuffer take(long timeoutNanos) throws ChannelClosedException, MessageGapException {
    lock.lock();
    try {
      Entry e = awaitHead(timeoutNanos);
      if (e == null) {
        return null;
      }
      entries.poll();
      consumed.consumed(e.seq, e.size());
      if (e.bytes == null) {
        throw new MessageGapException(uri, e.lost);
      }
      bytes -= e.size();
      roomFreed.signal();
      return ByteBuffer.wrap(e.bytes, e.offset, e.size()).slice();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Hands up to {@code limit} messages to {@code handler}, stopping before a gap; a gap at the
   * head is thrown. The handler runs without the lock held.
   */
  public int poll(MessageHandler handler, int limit, long timeoutNanos)
      throws ChannelClosedException, MessageGapException {
    Entry[] batch;
    int n = 0;
    lock.lock();
    try {
      Entry e = awaitHead(timeoutNanos);
      if (e == null) {
        return 0;
      }
      if (e.bytes == null) {
        entries.poll();
        consumed.consumed(e.seq, 0);
        throw new MessageGapException(uri, e.lost);
      }
      batch = new Entry[Math.min(limit, entries.size())];
      long size = 0;
      while (n < batch.length && (e = entries.peek()) != null && e.bytes != null) {
        entries.poll();
        bytes -= e.size();
        size += e.size();
        batch[n++] = e;
      }
      consumed.consumed(batch[n - 1].seq, size);
      roomFreed.signal();
    } finally {
      lock.unlock();
    }
    for (int i = 0; i < n; i++) {
      Entry e = batch[i];
      handler.onMessage(ByteBuffer.wrap(e.bytes, e.offset, e.size()).slice().asReadOnlyBuffer());
    }
    return n;
  }

  private Entry awaitHead(long timeoutNanos) throws ChannelClosedException {
    long deadline = System.nanoTime() + timeoutNanos;
    while (true) {
      if (closed) {
        throw new ChannelClosedException("channel " + uri + " is closed");
      }
      Entry e = entries.peek();
      if (e != null) {
        return e;
      }
      if (endReason != null) {
        throw new ChannelClosedException(endReason);
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return null;
      }
      try {
        notEmpty.awaitNanos(left);
      } catch (InterruptedException ie) {
        Thread.currentThread().interrupt();
        throw new ChannelClosedException("interrupted while receiving on " + uri, ie);
      }
    }
  }
}
