package dev.ipckit.redis.internal;

import dev.ipckit.IpcException;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** A client's hello to its server, as queued on its publisher (not API). */
public final class Hello {
  private Hello() {}

  /**
   * Waits up to {@code timeout} for the hello {@code sent} to reach Redis and returns Redis's reply.
   *
   * @throws IpcException it failed or took too long, or the caller was interrupted (the flag is set again)
   */
  public static <T> T await(Future<T> sent, Duration timeout, String display) throws IpcException {
    try {
      return sent.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new IpcException("cannot say hello to the server at " + display + ": "
          + (e.getCause() == null ? e : e.getCause()).getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IpcException("interrupted while connecting to " + display, e);
    }
  }
}
