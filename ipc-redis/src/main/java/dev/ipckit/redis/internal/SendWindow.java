package dev.ipckit.redis.internal;

import dev.ipckit.ChannelClosedException;
import dev.ipckit.SendTimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * Flow control of a pair's sending side (not API): at most {@code window} bytes the peer has not
 * consumed yet. Each message is numbered by its sender; the peer's credit ("consumed up to n")
 * releases every message numbered n or less.
 *
 * <p>Cheap per message: a reservation that fits is one compare-and-set (the lock and its condition
 * are only for senders that must wait), and messages are recorded with {@link #sent} in the order
 * of their numbers (the publisher numbers them under its queue's lock and calls it there), so those
 * in flight form a queue: two rings of primitives, numbers and the running total of bytes, no
 * object per message. A credit finds its place by binary search, however many it releases. The
 * rings hold one entry per message in flight, so the window bounds them too.
 */
public final class SendWindow {
  private final String uri;
  private final long window;
  private final AtomicLong reserved = new AtomicLong();
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition credited = lock.newCondition();
  private volatile int waiters;

  private final ReentrantLock ringLock = new ReentrantLock();
  private long[] seqs = new long[256];
  private long[] ends = new long[256]; // bytes recorded up to and including this message
  private int head;
  private int count;
  private long sentBytes;
  private long creditedBytes;
  private long creditedSeq;

  public SendWindow(String uri, long window) {
    this.uri = uri;
    this.window = window;
  }

  public long window() {
    return window;
  }

  /**
   * Waits up to {@code timeoutNanos} until the peer has room for {@code size} more bytes (one
   * message always goes when none are in flight).
   *
   * @param closed why the channel cannot send any more (ChannelClosedException's message), or null
   * @param waiting called about every {@code pollNanos} while waiting (to ask for fresh credit); may be null
   * @return what is left of {@code timeoutNanos} (all of it when there was room: no clock is read then)
   */
  public long reserve(long size, long timeoutNanos, Supplier<String> closed, Runnable waiting, long pollNanos)
      throws SendTimeoutException, ChannelClosedException {
    if (tryReserve(size)) {
      return timeoutNanos;
    }
    long deadline = System.nanoTime() + timeoutNanos;
    lock.lock();
    waiters++;
    try {
      while (!tryReserve(size)) {
        String why = closed.get();
        if (why != null) {
          throw new ChannelClosedException(why);
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new SendTimeoutException("send on " + uri + " timed out: the peer has not consumed "
              + reserved.get() + " bytes (receiveQueue " + window + ")");
        }
        if (waiting != null) {
          waiting.run();
        }
        credited.awaitNanos(Math.min(left, pollNanos));
      }
      return Math.max(0, deadline - System.nanoTime());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ChannelClosedException("interrupted while sending on " + uri, e);
    } finally {
      waiters--;
      lock.unlock();
    }
  }

  private boolean tryReserve(long size) {
    while (true) {
      long r = reserved.get();
      if (r > 0 && r + size > window) {
        return false;
      }
      if (reserved.compareAndSet(r, r + size)) {
        return true;
      }
    }
  }

  /** Gives back a reservation whose message was not sent after all. */
  public void release(long size) {
    reserved.addAndGet(-size);
    // a waiter counts itself before it looks at reserved, so either it sees this release or it is counted here
    if (waiters > 0) {
      wake();
    }
  }

  /**
   * Message {@code seq} of {@code size} reserved bytes was sent; called in increasing order of
   * {@code seq}.
   */
  public void sent(long seq, int size) {
    ringLock.lock();
    try {
      if (seq > creditedSeq) {
        if (count == seqs.length) {
          grow();
        }
        int tail = (head + count) & (seqs.length - 1);
        sentBytes += size;
        seqs[tail] = seq;
        ends[tail] = sentBytes;
        count++;
        return;
      }
    } finally {
      ringLock.unlock();
    }
    release(size); // the peer consumed it already (it was numbered before being recorded)
  }

  /** The peer consumed everything up to {@code upTo}: those bytes are no longer in flight. */
  public void credit(long upTo) {
    long freed;
    ringLock.lock();
    try {
      if (upTo <= creditedSeq) {
        return;
      }
      creditedSeq = upTo;
      int mask = seqs.length - 1;
      int lo = 0;
      int hi = count; // the first hi messages in flight are numbered upTo or less
      while (lo < hi) {
        int mid = (lo + hi) >>> 1;
        if (seqs[(head + mid) & mask] <= upTo) {
          lo = mid + 1;
        } else {
          hi = mid;
        }
      }
      if (lo == 0) {
        return;
      }
      long end = ends[(head + lo - 1) & mask];
      freed = end - creditedBytes;
      creditedBytes = end;
      head = (head + lo) & mask;
      count -= lo;
    } finally {
      ringLock.unlock();
    }
    release(freed);
  }

  private void grow() {
    int n = seqs.length;
    long[] s = new long[n * 2];
    long[] e = new long[n * 2];
    for (int i = 0; i < count; i++) {
      s[i] = seqs[(head + i) & (n - 1)];
      e[i] = ends[(head + i) & (n - 1)];
    }
    seqs = s;
    ends = e;
    head = 0;
  }

  /** Wakes waiting senders so they see a close. */
  public void wake() {
    lock.lock();
    try {
      credited.signalAll();
    } finally {
      lock.unlock();
    }
  }
}
