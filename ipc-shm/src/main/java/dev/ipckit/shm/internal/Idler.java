package dev.ipckit.shm.internal;

import java.util.concurrent.locks.LockSupport;

/**
 * What a loop waiting for a message does between two empty looks at the queue. Not API.
 *
 * <p>{@link #BACKOFF} spins for about 20 us (a message that is about to arrive costs no system
 * call), yields for about 100 us, then parks with pauses growing from 10 us to 1 ms, so an idle
 * channel costs nothing and a message is still seen within about a millisecond. {@link #BUSY}
 * spins, and yields its core once every {@value #BUSY_SPINS_PER_YIELD} looks. A sender waiting
 * for its reader to make room waits the same way as the channel's receives.
 */
public enum Idler {
  BACKOFF {
    @Override
    public void idle(int round) {
      if (round < SPINS) {
        Thread.onSpinWait();
      } else if (round < SPINS + YIELDS) {
        Thread.yield();
      } else {
        int shift = Math.min(round - SPINS - YIELDS, 7); // 10 us << 7 = 1.28 ms
        LockSupport.parkNanos(Math.min(10_000L << shift, MAX_PARK_NANOS));
      }
    }
  },
  BUSY {
    @Override
    public void idle(int round) {
      if ((round & (BUSY_SPINS_PER_YIELD - 1)) == BUSY_SPINS_PER_YIELD - 1) {
        // on a core of its own this returns at once; where the peer waits for this core (fewer
        // cores than spinners) it runs now, not after this spinner's time slice of milliseconds
        Thread.yield();
      } else {
        Thread.onSpinWait();
      }
    }
  };

  /** Empty looks per yield of {@link #BUSY}: a look is 20-100 ns, so a yield every 5-25 us of waiting. */
  static final int BUSY_SPINS_PER_YIELD = 256;

  /** About 20 us of spinning: a reply that is on its way costs no system call. */
  private static final int SPINS = 500;
  /** Then about 100 us of yielding, before the first park. */
  private static final int YIELDS = 100;
  private static final long MAX_PARK_NANOS = 1_000_000;

  /** Waits a little; {@code round} counts the empty looks since the last message (0, 1, ...). */
  public abstract void idle(int round);
}
