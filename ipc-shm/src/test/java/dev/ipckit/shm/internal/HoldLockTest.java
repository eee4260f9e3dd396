package dev.ipckit.shm.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The lock of a shm: channel's sends and receives: exclusion, reentrancy, a waiter let in. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HoldLockTest {

  /** A plain counter, so a lost update shows when two threads are in at once. */
  private long counter;

  @Test
  void threadsTakeTurns() throws Exception {
    HoldLock lock = new HoldLock();
    int perThread = 200_000;
    Thread[] threads = new Thread[3];
    for (int t = 0; t < threads.length; t++) {
      threads[t] = new Thread(() -> {
        for (int i = 0; i < perThread; i++) {
          lock.lock();
          try {
            counter++;
          } finally {
            lock.unlock();
          }
        }
      });
      threads[t].start();
    }
    for (Thread t : threads) {
      t.join();
    }
    assertEquals((long) perThread * threads.length, counter);
  }

  @Test
  void holderTakesItAgainAndOthersWaitUntilTheLastRelease() throws Exception {
    HoldLock lock = new HoldLock();
    lock.lock();
    lock.lock(); // a poll's handler closing the channel takes the receive lock again
    AtomicBoolean in = new AtomicBoolean();
    CountDownLatch waiting = new CountDownLatch(1);
    Thread other = new Thread(() -> {
      waiting.countDown();
      lock.lock();
      in.set(true);
      lock.unlock();
    });
    other.start();
    waiting.await();
    lock.unlock();
    other.join(200);
    assertFalse(in.get(), "entered while the holder still held it once");
    lock.unlock();
    other.join(TimeUnit.SECONDS.toMillis(30));
    assertTrue(in.get(), "the waiter never got the released lock");
  }
}
