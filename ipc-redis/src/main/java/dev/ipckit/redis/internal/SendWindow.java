package dev.ipckit.redis.internal;

import dev.ipckit.ChannelClosedException;
import dev.ipckit.SendTimeoutException;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * Flow control of a pair's sending side (not API): at most {@code window} bytes the peer has not
 * consumed yet. Each message is numbered by its sender; the peer's credit ("consumed up to n")
 * releases every message numbered n or less.
 */
public final class SendWindow {
  private final String uri;
  private final long window;
  private final ConcurrentSkipListMap<Long, Long> inFlight = new ConcurrentSkipListMap<>();
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition credited = lock.newCondition();
  private long reserved;
  private volatile long creditedSeq;

  public SendWindow(String uri, long window) {
    this.uri = uri;
    this.window = window;
  }

  public long window() {
    return window;
  }

  /**
   * Waits until the peer has room for {@code size} more bytes (one message always goes when none
   * are in flight).
   *
   * @param closed why the channel cannot send any more (ChannelClosedException's message), or null
   * @param waiting called about every {@code pollNanos} while waiting (to ask for fresh credit); may be null
   */
  public void reserve(long size, long deadline, Supplier<String> closed, Runnable waiting, long pollNanos)
      throws SendTimeoutException, ChannelClosedException {
    lock.lock();
    try {
      while (reserved > 0 && reserved + size > window) {
        String why = closed.get();
        if (why != null) {
          throw new ChannelClosedException(why);
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new SendTimeoutException("send on " + uri + " timed out: the peer has not consumed "
              + reserved + " bytes (receiveQueue " + window + ")");
        }
        if (waiting != null) {
          waiting.run();
        }
        credited.awaitNanos(Math.min(left, pollNanos));
      }
      reserved += size;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ChannelClosedException("interrupted while sending on " + uri, e);
    } finally {
      lock.unlock();
    }
  }

  /** Gives back a reservation whose message was not sent after all. */
  public void release(long size) {
    lock.lock();
    try {
      reserved -= size;
      credited.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Message {@code seq} of {@code size} reserved bytes was sent. */
  public void sent(long seq, long size) {
    inFlight.put(seq, size);
    long c = creditedSeq;
    if (seq <= c) {
      credit(c);
    }
  }

  /** The peer consumed everything up to {@code upTo}: those bytes are no longer in flight. */
  public void credit(long upTo) {
    if (upTo > creditedSeq) {
      creditedSeq = upTo;
    }
    ConcurrentNavigableMap<Long, Long> done = inFlight.headMap(upTo, true);
    long freed = 0;
    for (var it = done.entrySet().iterator(); it.hasNext(); ) {
      freed += it.next().getValue();
      it.remove();
    }
    if (freed > 0) {
      release(freed);
    }
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
