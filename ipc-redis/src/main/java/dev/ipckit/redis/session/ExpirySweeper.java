package dev.ipckit.redis.session;

import dev.ipckit.IpcException;
import java.time.Duration;

/**
 * The thread that sweeps the expiry index every {@code expiryPoll} while an index-mode listener
 * runs. A sweep that fails (Redis away) is tried again at the next tick; expiries are reported
 * late, not lost, because they stay in the index until a sweep reports them.
 */
final class ExpirySweeper implements AutoCloseable {
  interface Sweep {
    int run() throws IpcException;
  }

  private final Thread thread;
  private volatile boolean closed;

  ExpirySweeper(Sweep sweep, Duration every) {
    thread = new Thread(() -> {
      while (!closed) {
        try {
          sweep.run();
        } catch (IpcException | RuntimeException e) {
          // next tick
        }
        try {
          Thread.sleep(every.toMillis());
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "ipckit-session-sweeper");
    thread.setDaemon(true);
    thread.start();
  }

  @Override
  public void close() {
    closed = true;
    thread.interrupt();
    try {
      thread.join(5000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
