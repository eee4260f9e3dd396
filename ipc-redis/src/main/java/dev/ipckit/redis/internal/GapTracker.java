package dev.ipckit.redis.internal;

import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * The last sequence number seen from each publisher, to count what was lost between two frames
 * (not API). Used by one subscriber thread; not thread-safe.
 *
 * <p>On a bus, a publisher first seen mid-stream starts being tracked where it is seen (what it
 * sent before this subscriber existed is not a loss). In a client/server pair the peer is known
 * from its first message, so a missing first message is a gap too. Publishers silent for
 * {@link #FORGET_NANOS} are forgotten, so the map stays small however many come and go.
 */
public final class GapTracker {
  static final long FORGET_NANOS = 10L * 60 * 1_000_000_000L;

  private static final class State {
    long seq;
    long heard;
  }

  private final boolean fromStart;
  private final Map<Long, State> publishers = new HashMap<>();
  private long nextSweep = System.nanoTime() + FORGET_NANOS;

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
  }

  private State state(long publisher) {
    long now = System.nanoTime();
    if (now - nextSweep > 0) {
      for (Iterator<State> it = publishers.values().iterator(); it.hasNext(); ) {
        if (now - it.next().heard > FORGET_NANOS) {
          it.remove();
        }
      }
      nextSweep = now + FORGET_NANOS / 10;
    }
    State s = publishers.get(publisher);
    if (s != null) {
      s.heard = now;
    }
    return s;
  }

  private static State fresh(long seq) {
    State s = new State();
    s.seq = seq;
    s.heard = System.nanoTime();
    return s;
  }

  int size() {
    return publishers.size();
  }
}
