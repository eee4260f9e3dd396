package dev.ipckit.redis.internal;

import static org.junit.jupiter.api.Assertions.*;

import dev.ipckit.ChannelClosedException;
import dev.ipckit.SendTimeoutException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The send window releases exactly the bytes of the messages a credit covers. */
@Timeout(30)
class SendWindowTest {
  private static final Supplier<String> OPEN = () -> null;
  private static final long SHORT = TimeUnit.MILLISECONDS.toNanos(50);

  private static void reserve(SendWindow w, long size, long nanos) throws Exception {
    w.reserve(size, nanos, OPEN, null, Long.MAX_VALUE);
  }

  @Test
  void aCreditReleasesTheBytesOfEveryMessageUpToItsNumber() throws Exception {
    SendWindow w = new SendWindow("test", 1000);
    for (int seq = 1; seq <= 1000; seq++) { // past the rings' first capacity
      reserve(w, 1, SHORT);
      w.sent(seq, 1);
    }
    assertThrows(SendTimeoutException.class, () -> reserve(w, 1, SHORT));
    w.credit(300);
    reserve(w, 300, SHORT);
    assertThrows(SendTimeoutException.class, () -> reserve(w, 1, SHORT));
    w.credit(299); // older than the last credit: nothing more
    assertThrows(SendTimeoutException.class, () -> reserve(w, 1, SHORT));
  }

  @Test
  void numbersMayHaveHolesAndACreditMayFallBetweenThem() throws Exception {
    SendWindow w = new SendWindow("test", 100);
    long[] seqs = {2, 5, 9, 10};
    for (long seq : seqs) {
      reserve(w, 25, SHORT);
      w.sent(seq, 25);
    }
    w.credit(4); // releases message 2 only
    reserve(w, 25, SHORT);
    assertThrows(SendTimeoutException.class, () -> reserve(w, 1, SHORT));
    w.credit(9); // releases 5 and 9
    reserve(w, 50, SHORT);
    assertThrows(SendTimeoutException.class, () -> reserve(w, 1, SHORT));
  }

  @Test
  void aMessageAlreadyCreditedWhenRecordedIsReleasedAtOnce() throws Exception {
    SendWindow w = new SendWindow("test", 10);
    reserve(w, 10, SHORT);
    w.credit(1);
    w.sent(1, 10);
    reserve(w, 10, SHORT);
  }

  @Test
  void oneMessageLargerThanTheWindowGoesWhenNothingIsInFlight() throws Exception {
    SendWindow w = new SendWindow("test", 10);
    reserve(w, 50, SHORT);
    w.sent(1, 50);
    assertThrows(SendTimeoutException.class, () -> reserve(w, 1, SHORT));
    w.credit(1);
    reserve(w, 1, SHORT);
  }

  @Test
  void aWaitingSenderGoesOnWhenCreditArrives() throws Exception {
    SendWindow w = new SendWindow("test", 10);
    reserve(w, 10, SHORT);
    w.sent(1, 10);
    CompletableFuture<Void> waiting = CompletableFuture.runAsync(() -> {
      try {
        reserve(w, 10, TimeUnit.SECONDS.toNanos(20));
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    Thread.sleep(50);
    assertFalse(waiting.isDone());
    w.credit(1);
    waiting.get(20, TimeUnit.SECONDS);
  }

  @Test
  void aWaitingSenderSeesTheClose() throws Exception {
    SendWindow w = new SendWindow("test", 10);
    reserve(w, 10, SHORT);
    String[] closed = {null};
    CompletableFuture<Void> waiting = CompletableFuture.runAsync(() -> {
      try {
        w.reserve(10, TimeUnit.SECONDS.toNanos(20), () -> closed[0], null, Long.MAX_VALUE);
      } catch (ChannelClosedException e) {
        return;
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
      throw new IllegalStateException("reserved on a closed channel");
    });
    Thread.sleep(50);
    closed[0] = "closed";
    w.wake();
    waiting.get(20, TimeUnit.SECONDS);
  }
}
