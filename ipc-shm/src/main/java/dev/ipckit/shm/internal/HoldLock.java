package dev.ipckit.shm.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The reentrant lock that serialises a shm: channel's sends (and, another, its receives), taken
 * once per message. Not API.
 *
 * <p>Why not {@link java.util.concurrent.locks.ReentrantLock}: its unlock is a volatile write, a
 * full fence on x86, paid per message on both sides of a round trip, where a plain Chronicle
 * appender or tailer pays none. Here taking the lock is one compare-and-set and releasing it a
 * store with release order, which is all that mutual exclusion needs. The price is in contention,
 * which a channel's own sends and receives rarely meet: a thread that finds the lock held waits as
 * {@link Idler#BACKOFF} does (spins about 20 us, yields, then parks up to 1 ms and looks again)
 * instead of being woken by the holder. The holders are one send or one receive, which finish or
 * see the channel closed within that time.
 */
public final class HoldLock {
  private static final VarHandle OWNER;

  static {
    try {
      OWNER = MethodHandles.lookup().findVarHandle(HoldLock.class, "owner", Thread.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** The holding thread, or null; written through {@link #OWNER}. */
  @SuppressWarnings("unused")
  private volatile Thread owner;
  /** How many times the owner holds it; touched by the owner only. */
  private int holds;

  /** Takes the lock, waiting while another thread holds it; the holder may take it again. */
  public void lock() {
    Thread me = Thread.currentThread();
    if (!OWNER.compareAndSet(this, null, me)) {
      if (OWNER.getOpaque(this) == me) {
        holds++; // only this thread can have stored itself there
        return;
      }
      for (int round = 0; !OWNER.compareAndSet(this, null, me); round++) {
        Idler.BACKOFF.idle(round);
      }
    }
    holds = 1;
  }

  /** Releases one hold of the calling thread, which must hold the lock. */
  public void unlock() {
    if (--holds == 0) {
      OWNER.setRelease(this, null);
    }
  }
}
