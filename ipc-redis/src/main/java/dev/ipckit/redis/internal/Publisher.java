package dev.ipckit.redis.internal;

import dev.ipckit.ChannelClosedException;
import dev.ipckit.IpcException;
import dev.ipckit.SendTimeoutException;
import dev.ipckit.redis.RedisEndpoint;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;

/**
 * Writes commands on one Redis connection from one daemon thread (not API): PUBLISH for pub/sub,
 * XADD and XACK for streams. Senders queue commands (data bounded in bytes; past it they wait up
 * to their send timeout) and the thread writes everything queued in one pipeline, topping it up
 * with what arrives meanwhile, up to 1,024 commands or 4 MiB per round trip (as a plain pipelined
 * client syncs), so many small messages share one round trip and a lone one goes at once. A
 * command written to the pipeline leaves the queue's bound: memory is at most the queue plus one
 * batch in flight.
 *
 * <p>When Redis goes away the thread reconnects with backoff while commands wait in the queue. A
 * batch that was being written when the connection broke may or may not have reached Redis.
 * Without {@code retry} (pub/sub) it is counted as lost, and receivers see the gap in the sequence
 * numbers; with {@code retry} (streams) it is written again after the reconnect, so its commands
 * must tolerate running twice. The thread also runs a {@link Ticker} periodically (heartbeats,
 * peer timeouts), so a channel needs no timer thread.
 *
 * <p>PUBLISH ({@link #publish}, {@link #control(byte[], byte[])}) takes a shorter way: senders
 * encode the command straight into a {@link PublishBatch} and the thread writes the whole batch to
 * the socket at once and reads the integer replies itself, so a message costs one copy and no
 * object. PUBLISH commands keep their order among themselves, other commands among themselves; a
 * publisher is used for one kind or the other (pub/sub, streams). PUBLISH is never retried. When
 * Redis refuses one (an ACL without the right, say), the next {@code publish} fails saying so.
 */
public final class Publisher implements AutoCloseable {
  /** Called on the publisher thread about every tick; may queue control frames, never send. */
  public interface Ticker {
    void tick(long nowNanos);
  }

  /** One command of a pipeline; its callbacks run on the publisher thread. */
  public interface Command {
    /** Called once, under the queue's lock, as the command takes its place in the queue. */
    default void enqueued() {}

    Response<?> queue(Pipeline p);

    /** Redis answered {@code reply}, or {@code error} (a reply error, or the batch was lost). */
    default void done(Object reply, Exception error) {}
  }

  private record Entry(Command command, long bytes, boolean data) {}

  private static final int MAX_BATCH = 1024;
  private static final long MAX_BATCH_BYTES = 4L << 20;
  private static final int MIN_TOP_UP = 32;

  private final RedisEndpoint endpoint;
  private final String uri;
  private final long capacity;
  private final Backoff backoff;
  private final boolean retry;
  private final long tickNanos;
  // senders add to queue under the lock; the thread swaps it with the empty taken (O(1), so a
  // sender rarely finds the lock held) and works through taken without the lock
  private ArrayDeque<Entry> queue = new ArrayDeque<>();
  private ArrayDeque<Entry> taken = new ArrayDeque<>();
  // the pipeline being written (publisher thread only): taken from taken, kept until Redis answered
  private final List<Entry> inFlight = new ArrayList<>();
  // PUBLISH commands senders encode (under the lock), and the batch being written (publisher thread)
  private PublishBatch publishes;
  private PublishBatch writing;
  // replies someone waits for among the PUBLISH commands written, by position (publisher thread)
  private final ArrayDeque<PublishBatch.Waiter> answers = new ArrayDeque<>();
  private IntegerReplies replies;
  private SingleUseConnection repliesOn;
  private long inFlightBytes;
  private int released; // the first this many of inFlight no longer count in queuedBytes
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition notEmpty = lock.newCondition();
  private final Condition notFull = lock.newCondition();
  private final Condition progress = lock.newCondition();
  private final Thread thread;
  private volatile Ticker ticker;
  private volatile SingleUseConnection connection;
  private volatile String lastError = "";
  /** Why Redis refused a PUBLISH since the last publish call was told, or null. */
  private volatile String refused;
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
    this(endpoint, uri, threadName, capacity, backoff, maxBackoff, tick, false);
  }

  /**
   * @param retry write a batch again after a broken connection instead of counting it as lost
   */
  public Publisher(RedisEndpoint endpoint, String uri, String threadName, long capacity,
      Duration backoff, Duration maxBackoff, Duration tick, boolean retry) throws IpcException {
    this.retry = retry;
    this.endpoint = endpoint;
    this.uri = uri;
    this.capacity = capacity;
    this.publishes = new PublishBatch(capacity);
    this.writing = new PublishBatch(capacity);
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
   * Queues a PUBLISH of {@code payload} (not consumed) to {@code channel}: a DATA frame of publisher
   * {@code id} numbered from {@code seq} in queue order and recorded in {@code flow} (may be null)
   * under that number, or with {@code seq} null the payload alone (plain). Waits up to
   * {@code timeoutNanos} for room.
   *
   * @throws IpcException Redis refused an earlier PUBLISH (this message is not queued)
   */
  public void publish(byte[] channel, long id, ByteBuffer payload, AtomicLong seq, SendWindow flow,
      long timeoutNanos) throws IpcException {
    String why = refused;
    if (why != null) {
      refused = null;
      throw new IpcException("Redis at " + endpoint + " refused to PUBLISH for " + uri + ": " + why);
    }
    int frame = (seq == null ? 0 : Frame.HEADER) + payload.remaining();
    lock.lock();
    try {
      awaitRoom(frame, timeoutNanos);
      long n = 0;
      if (seq != null) {
        n = seq.incrementAndGet();
        if (flow != null) {
          flow.sent(n, frame);
        }
      }
      boolean wasEmpty = publishes.isEmpty();
      publishes.data(channel, seq != null, id, n, payload);
      queuedBytes += frame;
      enqueued++;
      if (wasEmpty) {
        notEmpty.signal();
      }
    } finally {
      lock.unlock();
    }
  }

  /** Queues a data command of {@code bytes}; waits up to {@code timeoutNanos} for room. */
  public void submit(Command command, long bytes, long timeoutNanos)
      throws SendTimeoutException, ChannelClosedException {
    lock.lock();
    try {
      awaitRoom(bytes, timeoutNanos);
      command.enqueued();
      queue.add(new Entry(command, bytes, true));
      queuedBytes += bytes;
      enqueued++;
      notEmpty.signal();
    } finally {
      lock.unlock();
    }
  }

  /** Waits up to {@code timeoutNanos} until {@code bytes} more fit in the queue. Lock held. */
  private void awaitRoom(long bytes, long timeoutNanos) throws SendTimeoutException, ChannelClosedException {
    long deadline = 0; // read the clock only when there is no room
    try {
      while (!stopping && queuedBytes > 0 && queuedBytes + bytes > capacity) {
        if (deadline == 0) {
          deadline = System.nanoTime() + timeoutNanos;
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new SendTimeoutException("send on " + uri + " timed out: " + queuedBytes
              + " bytes not yet written to Redis (sendBuffer " + capacity + ")"
              + (connection == null ? "; Redis at " + endpoint + " is unreachable: " + lastError : ""));
        }
        notFull.awaitNanos(left);
      }
      if (stopping) {
        throw new ChannelClosedException("channel " + uri + " is closed");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ChannelClosedException("interrupted while sending on " + uri, e);
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
      publishes.control(channel, frame, reply);
      enqueued++;
      notEmpty.signal();
    } finally {
      lock.unlock();
    }
    return reply;
  }

  /**
   * Queues a command without waiting for room. The future completes with its reply, or
   * exceptionally if Redis refused it or it could not be written.
   */
  @SuppressWarnings("unchecked")
  public <T> CompletableFuture<T> call(java.util.function.Function<Pipeline, Response<T>> op) {
    CompletableFuture<T> reply = new CompletableFuture<>();
    control(new Command() {
      @Override
      public Response<?> queue(Pipeline p) {
        return op.apply(p);
      }

      @Override
      public void done(Object r, Exception error) {
        if (error == null) {
          reply.complete((T) r);
        } else {
          reply.completeExceptionally(error);
        }
      }
    });
    return reply;
  }

  /** Queues a command without waiting for room; its {@code done} is told the outcome. */
  public void control(Command command) {
    lock.lock();
    try {
      if (stopping) {
        command.done(null, new ChannelClosedException("channel " + uri + " is closed"));
        return;
      }
      command.enqueued();
      queue.add(new Entry(command, 0, false));
      enqueued++;
      notEmpty.signal();
    } finally {
      lock.unlock();
    }
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
    SingleUseConnection c = connection;
    connection = null;
    Closing.quietly(c);
  }

  private void run() {
    try {
      publishUntilStopped();
    } finally {
      // close() closes the connection too, but when it gave up waiting for this thread (stalled
      // for seconds under load) this thread may have reconnected after it: the last to leave closes
      closeConnection();
    }
  }

  private void publishUntilStopped() {
    long nextTick = System.nanoTime() + tickNanos;
    long nextAttempt = 0;
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
        if (isStopping()) {
          continue; // closing: no new connection for nobody to close
        }
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
      if (inFlight.isEmpty()) { // else a batch cut by a broken connection goes again (retry)
        if (!awaitQueued(nextTick)) {
          return;
        }
        writePublishes();
        if (connection == null) {
          continue;
        }
        takeMore();
      }
      if (!inFlight.isEmpty()) {
        publish();
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

  /** Waits until something is queued, up to {@code until}; false once stopped and empty. */
  private boolean awaitQueued(long until) {
    if (!taken.isEmpty()) {
      return true;
    }
    lock.lock();
    try {
      while (queue.isEmpty() && publishes.isEmpty()) {
        if (stopping) {
          return false;
        }
        long left = until - System.nanoTime();
        if (left <= 0) {
          return true;
        }
        notEmpty.awaitNanos(left);
      }
      return true;
    } catch (InterruptedException e) {
      return false;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Gives the queue's room of the entries just written back to senders and moves the oldest queued
   * entries into the batch in flight, without waiting, up to the batch's limits (one lock for
   * both).
   *
   * @return how many entries were added
   */
  private int takeMore() {
    long written = 0;
    for (; released < inFlight.size(); released++) {
      Entry e = inFlight.get(released);
      if (e.data) {
        written += e.bytes;
      }
    }
    if (written > 0 || taken.isEmpty()) {
      lock.lock();
      try {
        if (written > 0) {
          queuedBytes -= written;
          notFull.signalAll();
        }
        if (taken.isEmpty()) {
          ArrayDeque<Entry> q = queue;
          queue = taken;
          taken = q;
        }
      } finally {
        lock.unlock();
      }
    }
    int added = 0;
    for (Entry e; inFlight.size() < MAX_BATCH && (e = taken.peek()) != null; ) {
      if (!inFlight.isEmpty() && inFlightBytes + e.bytes > MAX_BATCH_BYTES) {
        break;
      }
      inFlight.add(taken.poll());
      inFlightBytes += e.bytes;
      added++;
    }
    return added;
  }

  /**
   * Writes the batch in flight as one pipeline, topping it up with what senders queue meanwhile
   * (up to MAX_BATCH commands or MAX_BATCH_BYTES, as a plain Jedis pipeline syncs), then reads the
   * replies. A command written to the pipeline no longer counts against the queue's capacity, so
   * senders fill the queue again while this thread writes and waits for Redis, instead of waiting
   * for each round trip; the batch in flight is bounded on its own.
   */
  private void publish() {
    SingleUseConnection c = connection;
    List<Response<?>> replies = new ArrayList<>(inFlight.size());
    RuntimeException failure = null;
    try {
      Pipeline p = new Pipeline(c, false);
      boolean more = true;
      while (true) {
        for (int i = replies.size(); i < inFlight.size(); i++) {
          replies.add(inFlight.get(i).command.queue(p));
        }
        if (!more) {
          break;
        }
        // a trickle is written and the pipeline synced: topping up by one or two at a time would
        // take the queue's lock against the sender for each message
        more = takeMore() >= MIN_TOP_UP;
      }
      p.sync();
    } catch (RuntimeException e) {
      failure = e;
      lastError = Errors.describe(e);
      connection = null;
      try {
        c.close();
      } catch (RuntimeException ignored) {
        // already broken
      }
      if (retry) {
        return; // the batch stays in flight and goes again after the reconnect
      }
      lostFrames.addAndGet(inFlight.stream().filter(Entry::data).count());
    }
    if (retry && failure == null && transientError(replies)) {
      backoff.sleep(); // Redis is loading its data after a restart, or busy: the whole batch goes again
      return;
    }
    for (int i = 0; i < inFlight.size(); i++) {
      Entry t = inFlight.get(i);
      Object reply = null;
      RuntimeException error = failure;
      if (error == null) {
        try {
          reply = replies.get(i).get();
        } catch (RuntimeException e) {
          error = e;
        }
      }
      try {
        t.command.done(reply, error);
      } catch (RuntimeException e) {
        lastError = "a command's callback failed: " + e;
      }
    }
    int n = inFlight.size();
    long unreleased = 0; // a write cut by a broken connection before its room was given back
    for (int i = released; i < n; i++) {
      Entry e = inFlight.get(i);
      if (e.data) {
        unreleased += e.bytes;
      }
    }
    inFlight.clear();
    inFlightBytes = 0;
    released = 0;
    lock.lock();
    try {
      queuedBytes -= unreleased;
      completed += n;
      notFull.signalAll();
      progress.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Writes the PUBLISH commands senders encoded, batch after batch while at least
   * {@link #MIN_TOP_UP} more arrive meanwhile (up to MAX_BATCH commands or MAX_BATCH_BYTES
   * unanswered), then reads their replies. A batch's room goes back to senders once it is written.
   * When the connection breaks, the commands unanswered may or may not have reached Redis: they
   * count as lost (receivers see the gap) and those waited for fail.
   */
  private void writePublishes() {
    SingleUseConnection c = connection;
    if (c == null) {
      return; // close() gave up waiting for this thread and closed the connection
    }
    PublishBatch batch = writing;
    int unanswered = 0;
    int unansweredData = 0;
    long unansweredBytes = 0;
    try {
      OutputStream out = c.socket().getOutputStream();
      while (unanswered < MAX_BATCH && unansweredBytes < MAX_BATCH_BYTES
          && takePublishes(unanswered == 0 ? 1 : MIN_TOP_UP)) {
        batch = writing;
        for (PublishBatch.Waiter w : batch.waiters()) {
          answers.add(new PublishBatch.Waiter(unanswered + w.index(), w.reply()));
        }
        out.write(batch.bytes(), 0, batch.length());
        unanswered += batch.commands();
        unansweredData += batch.dataCommands();
        unansweredBytes += batch.length();
        long written = batch.dataBytes();
        batch.clear();
        giveBack(written);
      }
      if (unanswered == 0) {
        return;
      }
      if (repliesOn != c) {
        replies = new IntegerReplies(c.socket().getInputStream());
        repliesOn = c;
      }
      for (int i = 0; i < unanswered; i++) {
        long n = replies.next();
        if (n == Long.MIN_VALUE) {
          refused = replies.error();
          lastError = "Redis refused a PUBLISH: " + refused;
        }
        PublishBatch.Waiter w = answers.peek();
        if (w != null && w.index() == i) {
          answers.poll();
          if (n == Long.MIN_VALUE) {
            w.reply().completeExceptionally(new JedisDataException(replies.error()));
          } else {
            w.reply().complete(n);
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      lastError = Errors.describe(e);
      connection = null;
      Closing.quietly(c);
      lostFrames.addAndGet(unansweredData + batch.dataCommands());
      JedisException cause = new JedisException("connection to Redis at " + endpoint + " lost: " + lastError, e);
      for (PublishBatch.Waiter w; (w = answers.poll()) != null; ) {
        w.reply().completeExceptionally(cause);
      }
      for (PublishBatch.Waiter w : batch.waiters()) {
        w.reply().completeExceptionally(cause);
      }
      unanswered += batch.commands();
      long unwritten = batch.dataBytes();
      batch.clear();
      giveBack(unwritten);
    }
    answers.clear();
    lock.lock();
    try {
      completed += unanswered;
      progress.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Swaps the encoded batch in for writing if it holds at least {@code min} commands. */
  private boolean takePublishes(int min) {
    lock.lock();
    try {
      if (publishes.commands() < min) {
        return false;
      }
      PublishBatch b = publishes;
      publishes = writing;
      writing = b;
      return true;
    } finally {
      lock.unlock();
    }
  }

  /** {@code bytes} of data left the queue: senders may use their room. */
  private void giveBack(long bytes) {
    if (bytes == 0) {
      return;
    }
    lock.lock();
    try {
      queuedBytes -= bytes;
      notFull.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** A reply says "not now" (LOADING, BUSY, TRYAGAIN, MASTERDOWN): worth writing again, not a failure. */
  private boolean transientError(List<Response<?>> replies) {
    for (Response<?> r : replies) {
      try {
        r.get();
      } catch (RuntimeException e) {
        String m = String.valueOf(e.getMessage());
        if (m.startsWith("LOADING") || m.startsWith("BUSY") || m.startsWith("TRYAGAIN") || m.startsWith("MASTERDOWN")) {
          lastError = m;
          return true;
        }
      }
    }
    return false;
  }

  private void failQueued() {
    lock.lock();
    try {
      for (Entry e : inFlight) {
        e.command.done(null, new ChannelClosedException("channel " + uri + " is closed"));
        completed++;
      }
      inFlight.clear();
      inFlightBytes = 0;
      released = 0;
      for (ArrayDeque<Entry> q : List.of(taken, queue)) {
        for (Entry e; (e = q.poll()) != null; ) {
          e.command.done(null, new ChannelClosedException("channel " + uri + " is closed"));
          completed++;
        }
      }
      for (PublishBatch b : List.of(writing, publishes)) {
        for (PublishBatch.Waiter w : b.waiters()) {
          w.reply().completeExceptionally(new ChannelClosedException("channel " + uri + " is closed"));
        }
        completed += b.commands();
        b.clear();
      }
      queuedBytes = 0;
      progress.signalAll();
      notFull.signalAll();
    } finally {
      lock.unlock();
    }
  }
}
