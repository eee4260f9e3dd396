package dev.ipckit.redis.internal;

import java.util.HashMap;
import java.util.Map;

/**
 * The last sequence number seen from each publisher, to count what was lost between two frames
 * (not API). Used by one subscriber thread; not thread-safe.
 *
 * <p>On a bus, a publisher first seen mid-stream starts being tracked where it is seen (what it
 * sent before this subscriber existed is not a loss). In a client/server pair the peer is known
 * from its first message, so a missing first message is a gap too. Publishers silent for
 * {@link #FORGET_NANOS} are forgotten, so the map stays small however many come and go.
 *
 * <p>Per frame it costs no clock read and, while one publisher talks (a pair, or a bus with one
 * busy sender), no map lookup: a publisher is stamped with the current sweep generation, the clock
 * is read every {@link #CLOCK_EVERY} frames, and a sweep (at least {@link #FORGET_NANOS} after the
 * previous one) forgets those not heard since the previous sweep.
 */
public final class GapTracker {
  static final long FORGET_NANOS = 10L * 60 * 1_000_000_000L;
  static final int CLOCK_EVERY = 256;

  private static final class State {
    long seq;
    long generation;
  }

  private final boolean fromStart;
  private final Map<Long, State> publishers = new HashMap<>();
  private long nextSweep = System.nanoTime() + FORGET_NANOS;
  private long generation;
  private int calls;
  private long lastId;
  private State last;

  /** @param fromStart a publisher's first DATA frame is expected to be number 1 */
  public GapTracker(boolean fromStart) {
    this.fromStart = fromStart;
  }

  /**
   * A DATA frame arrived.
   *
   * @return how many frames of this publisher were lost before it, or -1 if it is a duplicate or
   *     older than one already seen (to be dropped)
   */
  public long onData(long publisher, long seq) {
    State s = state(publisher);
    if (s == null) {
      publishers.put(publisher, fresh(seq));
      return fromStart ? seq - 1 : 0;
    }
    if (seq <= s.seq) {
      return -1;
    }
    long lost = seq - s.seq - 1;
    s.seq = seq;
    return lost;
  }

  /** A HEARTBEAT or BYE carrying the publisher's last DATA number arrived; returns how many were lost. */
  public long onLast(long publisher, long lastSeq) {
    State s = state(publisher);
    if (s == null) {
      publishers.put(publisher, fresh(lastSeq));
      return fromStart ? lastSeq : 0;
    }
    if (lastSeq <= s.seq) {
      return 0;
    }
    long lost = lastSeq - s.seq;
    s.seq = lastSeq;
    return lost;
  }

  /** The publisher said goodbye: stop tracking it. */
  public void forget(long publisher) {
    publishers.remove(publisher);
    if (lastId == publisher) {
      last = null;
    }
  }

  private State state(long publisher) {
    if ((++calls & (CLOCK_EVERY - 1)) == 0) {
      long now = System.nanoTime();
      if (now - nextSweep > 0) {
        publishers.values().removeIf(st -> st.generation < generation);
        generation++;
        nextSweep = now + FORGET_NANOS;
        last = null;
      }
    }
    State s = last != null && lastId == publisher ? last : publishers.get(publisher);
    if (s != null) {
      s.generation = generation;
      last = s;
      lastId = publisher;
    }
    return s;
  }

  private State fresh(long seq) {
    State s = new State();
    s.seq = seq;
    s.generation = generation;
    return s;
  }

  int size() {
    return publishers.size();
  }
}
