package dev.ipckit.redis.internal;

import dev.ipckit.ChannelClosedException;
import dev.ipckit.IpcException;
import dev.ipckit.SendTimeoutException;
import dev.ipckit.redis.RedisEndpoint;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import redis.clients.jedis.Connection;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.exceptions.JedisException;

/**
 * Publishes frames on one Redis connection from one daemon thread (not API). Senders queue
 * frames (bounded in bytes; past it they wait up to their send timeout) and the thread publishes
 * everything queued in one pipeline, so many small messages share one round trip and a lone one
 * goes at once.
 *
 * <p>When Redis goes away the thread reconnects with backoff while frames wait in the queue. A
 * batch that was being written when the connection broke may or may not have reached Redis: it
 * is counted as lost, and receivers see the gap in the sequence numbers. The thread also runs a
 * {@link Ticker} periodically (heartbeats, peer timeouts), so a channel needs no timer thread.
 */
public final class Publisher implements AutoCloseable {
  /** Called on the publisher thread about every tick; may queue control frames, never send. */
  public interface Ticker {
    void tick(long nowNanos);
  }

  private record Entry(byte[] channel, byte[] frame, boolean data, CompletableFuture<Long> reply) {}

  private static final int MAX_BATCH = 1024;
  private static final long MAX_BATCH_BYTES = 4L << 20;

  private final RedisEndpoint endpoint;
  private final String uri;
  private final long capacity;
  private final Backoff backoff;
  private final long tickNanos;
  private final ArrayDeque<Entry> queue = new ArrayDeque<>();
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition notEmpty = lock.newCondition();
  private final Condition notFull = lock.newCondition();
  private final Condition progress = lock.newCondition();
  private final Thread thread;
  private volatile Ticker ticker;
  private volatile Connection connection;
  private volatile String lastError = "";
  private long queuedBytes;
  private long enqueued;
  private long completed;
  private boolean stopping;
  private final AtomicLong lostFrames = new AtomicLong();

  /**
   * Connects at once (so a wrong address fails here, with its cause) and starts the thread.
   *
   * @throws IpcException Redis cannot be reached or refused the login
   */
  public Publisher(RedisEndpoint endpoint, String uri, String threadName, long capacity,
      Duration backoff, Duration maxBackoff, Duration tick) throws IpcException {
    this.endpoint = endpoint;
    this.uri = uri;
    this.capacity = capacity;
    this.backoff = new Backoff(backoff, maxBackoff);
    this.tickNanos = tick.isZero() ? Duration.ofSeconds(1).toNanos() : tick.toNanos();
    try {
      this.connection = endpoint.connect();
    } catch (JedisException e) {
      throw new IpcException("cannot reach Redis at " + endpoint + " for " + uri + ": " + Errors.describe(e), e);
    }
    this.thread = new Thread(this::run, threadName);
    thread.setDaemon(true);
    thread.start();
  }

  public void ticker(Ticker t) {
    this.ticker = t;
  }

  /**
   * Queues a DATA frame, numbering it from {@code seq} in queue order; waits up to
   * {@code timeoutNanos} for room.
   */
  public void send(byte[] channel, byte[] frame, AtomicLong seq, long timeoutNanos)
      throws SendTimeoutException, ChannelClosedException {
    long deadline = System.nanoTime() + timeoutNanos;
    lock.lock();
    try {
      while (!stopping && !queue.isEmpty() && queuedBytes + frame.length > capacity) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new SendTimeoutException("send on " + uri + " timed out: " + queuedBytes
              + " bytes not yet published (sendBuffer " + capacity + ")"
              + (connection == null ? "; Redis at " + endpoint + " is unreachable: " + lastError : ""));
        }
        notFull.awaitNanos(left);
      }
      if (stopping) {
        throw new ChannelClosedException("channel " + uri + " is closed");
      }
      if (seq != null) {
        Frame.setSeq(frame, seq.incrementAndGet());
      }
      queue.add(new Entry(channel, frame, true, null));
      queuedBytes += frame.length;
      enqueued++;
      notEmpty.signal();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ChannelClosedException("interrupted while sending on " + uri, e);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Queues a control frame without waiting for room. The future completes with the number of
   * subscribers that received it, or exceptionally if it could not be published.
   */
  public CompletableFuture<Long> control(byte[] channel, byte[] frame) {
    CompletableFuture<Long> reply = new CompletableFuture<>();
    lock.lock();
    try {
      if (stopping) {
        reply.completeExceptionally(new ChannelClosedException("channel " + uri + " is closed"));
        return reply;
      }
      queue.add(new Entry(channel, frame, false, reply));
      enqueued++;
      notEmpty.signal();
    } finally {
      lock.unlock();
    }
    return reply;
  }

  /** Waits until everything queued before this call was published (or lost with a broken connection). */
  public void flush(long timeoutNanos) throws SendTimeoutException, ChannelClosedException {
    long deadline = System.nanoTime() + timeoutNanos;
    lock.lock();
    try {
      long target = enqueued;
      while (completed < target) {
        if (!thread.isAlive()) {
          throw new ChannelClosedException("channel " + uri + " is closed");
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new SendTimeoutException("flush on " + uri + " timed out with " + (target - completed)
              + " messages not yet published"
              + (connection == null ? "; Redis at " + endpoint + " is unreachable: " + lastError : ""));
        }
        progress.awaitNanos(left);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ChannelClosedException("interrupted while flushing " + uri, e);
    } finally {
      lock.unlock();
    }
  }

  /** Frames that were being published when a connection broke (receivers see them as gaps). */
  public long lostFrames() {
    return lostFrames.get();
  }

  public boolean isConnected() {
    return connection != null;
  }

  /** Publishes what is queued (waiting up to {@code flushNanos}), stops the thread, closes the connection. */
  public void close(long flushNanos) {
    drainWhileConnected(flushNanos);
    lock.lock();
    try {
      stopping = true;
      notEmpty.signalAll();
      notFull.signalAll();
      progress.signalAll();
    } finally {
      lock.unlock();
    }
    backoff.cancel();
    if (Thread.currentThread() != thread) {
      try {
        thread.join(2000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      if (thread.isAlive()) {
        closeConnection(); // unblocks a write to a hung server
        try {
          thread.join(2000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
    closeConnection();
  }

  @Override
  public void close() {
    close(0);
  }

  /** Waits for the queue to empty, but not while Redis is unreachable: close must not hang on it. */
  public void drainWhileConnected(long timeoutNanos) {
    long deadline = System.nanoTime() + timeoutNanos;
    lock.lock();
    try {
      long target = enqueued;
      while (completed < target && connection != null && thread.isAlive()) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return;
        }
        progress.awaitNanos(Math.min(left, 100_000_000L));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      lock.unlock();
    }
  }

  private void closeConnection() {
    Connection c = connection;
    connection = null;
    if (c != null) {
      try {
        c.close();
      } catch (RuntimeException ignored) {
        // closing a broken connection may fail; it is gone either way
      }
    }
  }

  private void run() {
    long nextTick = System.nanoTime() + tickNanos;
    long nextAttempt = 0;
    List<Entry> batch = new ArrayList<>();
    while (true) {
      if (isStopping()) {
        failQueued();
        return;
      }
      long now = System.nanoTime();
      if (now - nextTick >= 0) {
        nextTick = now + tickNanos;
        Ticker t = ticker;
        if (t != null) {
          try {
            t.tick(now);
          } catch (RuntimeException e) {
            lastError = "ticker failed: " + e;
          }
        }
      }
      if (connection == null) {
        if (now - nextAttempt < 0) {
          backoff.await(Math.min(nextAttempt, nextTick) - now);
          continue;
        }
        try {
          connection = endpoint.connect();
          backoff.reset();
        } catch (JedisException e) {
          lastError = Errors.describe(e);
          nextAttempt = System.nanoTime() + backoff.nextDelayNanos();
          continue;
        }
      }
      batch.clear();
      if (!takeBatch(batch, nextTick)) {
        return;
      }
      if (!batch.isEmpty()) {
        publish(batch);
      }
    }
  }

  private boolean isStopping() {
    lock.lock();
    try {
      return stopping;
    } finally {
      lock.unlock();
    }
  }

  /** Copies up to a batch of queued entries (leaving them counted as queued); false once stopped and empty. */
  private boolean takeBatch(List<Entry> batch, long until) {
    lock.lock();
    try {
      while (queue.isEmpty()) {
        if (stopping) {
          return false;
        }
        long left = until - System.nanoTime();
        if (left <= 0) {
          return true;
        }
        notEmpty.awaitNanos(left);
      }
      long bytes = 0;
      for (Entry e : queue) {
        if (batch.size() == MAX_BATCH || (!batch.isEmpty() && bytes + e.frame.length > MAX_BATCH_BYTES)) {
          break;
        }
        batch.add(e);
        bytes += e.frame.length;
      }
      return true;
    } catch (InterruptedException e) {
      return false;
    } finally {
      lock.unlock();
    }
  }

  private void publish(List<Entry> batch) {
    Connection c = connection;
    List<Response<Long>> replies = new ArrayList<>(batch.size());
    RuntimeException failure = null;
    try {
      Pipeline p = new Pipeline(c, false);
      for (Entry e : batch) {
        replies.add(p.publish(e.channel, e.frame));
      }
      p.sync();
    } catch (RuntimeException e) {
      failure = e;
      lastError = Errors.describe(e);
      long data = batch.stream().filter(Entry::data).count();
      lostFrames.addAndGet(data);
      connection = null;
      try {
        c.close();
      } catch (RuntimeException ignored) {
        // already broken
      }
    }
    lock.lock();
    try {
      for (int i = 0; i < batch.size(); i++) {
        Entry e = queue.poll();
        if (e.data) {
          queuedBytes -= e.frame.length;
        }
        if (e.reply != null) {
          if (failure == null) {
            e.reply.complete(replies.get(i).get());
          } else {
            e.reply.completeExceptionally(failure);
          }
        }
      }
      completed += batch.size();
      notFull.signalAll();
      progress.signalAll();
    } finally {
      lock.unlock();
    }
  }

  private void failQueued() {
    lock.lock();
    try {
      for (Entry e; (e = queue.poll()) != null; ) {
        if (e.reply != null) {
          e.reply.completeExceptionally(new ChannelClosedException("channel " + uri + " is closed"));
        }
        completed++;
      }
      queuedBytes = 0;
      progress.signalAll();
      notFull.signalAll();
    } finally {
      lock.unlock();
    }
  }
}
