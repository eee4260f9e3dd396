package dev.ipckit.typed;

import dev.ipckit.Channel;
import dev.ipckit.ChannelClosedException;
import dev.ipckit.MessageTooLargeException;
import dev.ipckit.ProtocolException;
import dev.ipckit.codec.Codec;
import dev.ipckit.codec.CodecException;
import dev.ipckit.typed.internal.MessageBuffer;
import dev.ipckit.typed.internal.OwnedThreads;
import dev.ipckit.typed.internal.PendingRequests;
import dev.ipckit.typed.internal.SerialWorker;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Request/response and events over one {@link Channel}. Both ends open an {@code RpcChannel}
 * with the same codecs; either end may {@link #request}, {@link #serve}, {@link #emit} and
 * listen with {@link #on}. Every message is wrapped in an {@link Envelope}.
 *
 * <pre>{@code
 * // worker
 * RpcChannel<Job, Result> rpc = RpcChannel.open(channel, jobs, results);
 * rpc.serve(job -> run(job));
 * // supervisor
 * RpcChannel<Job, Result> rpc = RpcChannel.open(channel, jobs, results);
 * Result r = rpc.request(job, Duration.ofSeconds(5)).get();
 * rpc.on("progress", p -> log(p));
 * }</pre>
 *
 * <p><b>Outcomes of a request</b> (the future, never an exception from {@code request}):
 * the reply; {@link RequestTimeoutException} when the deadline passes first;
 * {@link RemoteHandlerException} when the peer's handler threw (its class and message come back);
 * {@link ChannelClosedException} when either side closes, or the peer breaks the protocol,
 * before the reply; the codec's or the channel's exception when the request cannot be sent.
 * A settled request leaves nothing behind, and a late reply is dropped.
 *
 * <p><b>Threads.</b> {@code open} starts a reader ({@code ipckit-rpc-N-reader}), a deadline timer
 * ({@code ipckit-rpc-N-timer}) and, unless an {@link Executor} is given, one handler thread
 * ({@code ipckit-rpc-N-handler}) that runs requests and event listeners in arrival order from a
 * bounded queue. All are daemons, and {@link #close} stops them all. Futures are completed on the
 * reader or timer thread: use the {@code *Async} methods of {@link CompletableFuture} for work
 * that blocks. A handler that waits for a reply to its own request needs the given executor to
 * have more than one thread, or the reply it waits for queues behind it.
 *
 * <p>{@link #request} and {@link #emit} may be called from any number of threads at once.
 *
 * @param <T> requests and events
 * @param <R> replies
 */
public final class RpcChannel<T, R> implements Closeable {
  private static final AtomicInteger INSTANCES = new AtomicInteger();
  /** How long the reader waits on the channel before it checks whether it was closed. */
  private static final Duration READ_SLICE = Duration.ofMillis(200);
  private static final int READ_BATCH = 64;
  private static final int HANDLER_QUEUE = 1024;
  private static final Duration STOP_WAIT = Duration.ofSeconds(1);

  private final Channel channel;
  private final Codec<T> requests;
  private final Codec<R> replies;
  private final OwnedThreads threads;
  private final PendingRequests<R> pending;
  private final SerialWorker ownWorker;
  private final Executor executor;
  private final ConcurrentHashMap<String, List<Consumer<? super T>>> listeners = new ConcurrentHashMap<>();
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile Function<? super T, ? extends R> handler;
  private volatile Throwable closeCause;

  private RpcChannel(Channel channel, Codec<T> requests, Codec<R> replies, Executor executor) {
    this.channel = Objects.requireNonNull(channel, "channel");
    this.requests = Objects.requireNonNull(requests, "requests");
    this.replies = Objects.requireNonNull(replies, "replies");
    this.threads = new OwnedThreads("rpc-" + INSTANCES.incrementAndGet());
    this.pending = new PendingRequests<>(threads);
    this.ownWorker = executor == null ? new SerialWorker(threads, "handler", HANDLER_QUEUE) : null;
    this.executor = executor == null ? ownWorker : executor;
  }

  /** Requests, replies and events all in {@code codec}. */
  public static <T> RpcChannel<T, T> open(Channel channel, Codec<T> codec) {
    return open(channel, codec, codec);
  }

  /**
   * Starts request/response over {@code channel}, which now belongs to the returned object:
   * closing it closes the channel. Handlers run on a thread it owns.
   */
  public static <T, R> RpcChannel<T, R> open(Channel channel, Codec<T> requests, Codec<R> replies) {
    return open(channel, requests, replies, null);
  }

  /**
   * As {@link #open(Channel, Codec, Codec)}, with request handlers and event listeners run by
   * {@code executor} (which the caller keeps and shuts down); null for a thread of its own.
   */
  public static <T, R> RpcChannel<T, R> open(Channel channel, Codec<T> requests, Codec<R> replies,
      Executor executor) {
    RpcChannel<T, R> rpc = new RpcChannel<>(channel, requests, replies, executor);
    rpc.threads.start("reader", rpc::readLoop);
    return rpc;
  }

  /**
   * Sends {@code request} and returns the future of its reply. Never throws for a failure to
   * send: the future fails instead. May block while the channel's send buffer is full.
   *
   * @param deadline how long to wait for the reply, from now; must be positive
   */
  public CompletableFuture<R> request(T request, Duration deadline) {
    if (deadline.isNegative() || deadline.isZero()) {
      throw new IllegalArgumentException("deadline must be positive, got " + deadline);
    }
    CompletableFuture<R> reply = new CompletableFuture<>();
    long id = pending.add(reply, deadline, n -> new RequestTimeoutException(uri(), n, deadline));
    // checked after add, so a close racing with this request either sees it or is seen
    if (closed.get()) {
      pending.fail(id, closedException(id));
      return reply;
    }
    try {
      send(Envelope.REQUEST, id, requests, request);
    } catch (IOException | RuntimeException e) {
      pending.fail(id, e);
    }
    return reply;
  }

  /**
   * Answers the peer's requests with {@code handler}. A request that arrives before this is
   * called gets an error reply. A handler that throws sends the peer a
   * {@link RemoteHandlerException} with its exception's class and message.
   *
   * @throws IllegalStateException a handler was already set
   */
  public void serve(Function<? super T, ? extends R> handler) {
    Objects.requireNonNull(handler, "handler");
    synchronized (this) {
      if (this.handler != null) {
        throw new IllegalStateException("serve() was already called on " + uri());
      }
      this.handler = handler;
    }
  }

  /**
   * Sends an event of {@code type} to the peer's listeners; fire and forget: there is no reply,
   * and an event no one listens to is dropped there.
   *
   * @param type 1 to 255 bytes of UTF-8
   */
  public void emit(String type, T data) throws IOException {
    byte[] typeBytes = Envelope.typeBytes(type);
    checkOpen();
    MessageBuffer b = MessageBuffer.acquire();
    try {
      Envelope.writeEventHeader(b, typeBytes);
      requests.encode(data, b);
      channel.send(b.view());
    } finally {
      b.release();
    }
  }

  /** Calls {@code listener} with each event of {@code type} the peer emits, in arrival order. */
  public void on(String type, Consumer<? super T> listener) {
    Envelope.typeBytes(type);
    Objects.requireNonNull(listener, "listener");
    listeners.computeIfAbsent(type, t -> new CopyOnWriteArrayList<>()).add(listener);
  }

  /** Removes a listener added with {@link #on}; true if it was there. */
  public boolean off(String type, Consumer<? super T> listener) {
    List<Consumer<? super T>> l = listeners.get(type);
    return l != null && l.remove(listener);
  }

  /** Requests sent and not yet settled. */
  public int pendingRequests() {
    return pending.size();
  }

  public String uri() {
    return channel.uri();
  }

  public boolean isOpen() {
    return !closed.get() && channel.isOpen();
  }

  /**
   * Closes the channel, fails pending requests with {@link ChannelClosedException}, drops queued
   * requests and events, and stops every thread it started (waiting up to a second for them).
   * Idempotent.
   */
  @Override
  public void close() {
    closeWith(null);
  }

  private void closeWith(Throwable cause) {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    closeCause = cause;
    try {
      channel.close();
    } catch (IOException ignored) {
      // closing is all that is left to do with it
    }
    pending.close(this::closedException);
    if (ownWorker != null) {
      ownWorker.close();
    }
    threads.stop(STOP_WAIT);
  }

  private ChannelClosedException closedException(long id) {
    Throwable cause = closeCause;
    String why = cause == null ? "the channel was closed"
        : "the channel closed: " + cause.getMessage();
    return new ChannelClosedException("request " + id + " on " + uri() + " got no reply: " + why, cause);
  }

  private void checkOpen() throws ChannelClosedException {
    if (closed.get()) {
      throw new ChannelClosedException("rpc channel on " + uri() + " is closed", closeCause);
    }
  }

  private <V> void send(byte kind, long id, Codec<V> codec, V value) throws IOException {
    MessageBuffer b = MessageBuffer.acquire();
    try {
      Envelope.writeHeader(b, kind, id);
      codec.encode(value, b);
      channel.send(b.view());
    } finally {
      b.release();
    }
  }

  private void readLoop() {
    try {
      while (!closed.get()) {
        channel.poll(this::dispatch, READ_BATCH, READ_SLICE);
      }
    } catch (IOException | RuntimeException e) {
      // our own close (then this is a no-op), the peer's close, or a broken transport
      closeWith(e);
    }
  }

  /** On the reader thread: the message is valid only during this call, so everything is decoded here. */
  private void dispatch(ByteBuffer message) {
    if (closed.get()) {
      return;
    }
    Envelope e;
    try {
      e = Envelope.read(message, uri());
    } catch (ProtocolException bad) {
      closeWith(bad);
      return;
    }
    switch (e.kind()) {
      case Envelope.REQUEST -> onRequest(e);
      case Envelope.RESPONSE -> onResponse(e);
      case Envelope.ERROR -> onFailure(e);
      default -> onEvent(e);
    }
  }

  private void onRequest(Envelope e) {
    long id = e.correlationId();
    Function<? super T, ? extends R> h = handler;
    T value;
    try {
      value = requests.decode(e.payload());
    } catch (CodecException | RuntimeException bad) {
      submit(id, () -> sendFailure(id, bad));
      return;
    }
    if (h == null) {
      submit(id, () -> sendFailure(id, new IllegalStateException("no request handler: serve() was not called on " + uri())));
      return;
    }
    submit(id, () -> answer(id, h, value));
  }

  private void submit(long id, Runnable task) {
    try {
      executor.execute(task);
    } catch (RejectedExecutionException rejected) {
      if (!closed.get()) {
        sendFailure(id, rejected);
      }
    }
  }

  /** On the handler thread, so that a slow handler or a blocked send never stalls the reader. */
  private void answer(long id, Function<? super T, ? extends R> h, T request) {
    R reply;
    try {
      reply = h.apply(request);
    } catch (Throwable t) {
      sendFailure(id, t);
      return;
    }
    try {
      send(Envelope.RESPONSE, id, replies, reply);
    } catch (CodecException | MessageTooLargeException unsendable) {
      sendFailure(id, unsendable);
    } catch (IOException | RuntimeException ignored) {
      // the channel is gone or the peer stopped reading; its deadline will tell it
    }
  }

  private void sendFailure(long id, Throwable t) {
    MessageBuffer b = MessageBuffer.acquire();
    try {
      Envelope.writeFailure(b, id, t.getClass().getName(), t.getMessage());
      channel.send(b.view());
    } catch (IOException ignored) {
      // as in answer: nothing more can reach the peer
    } finally {
      b.release();
    }
  }

  private void onResponse(Envelope e) {
    CompletableFuture<R> f = pending.remove(e.correlationId());
    if (f == null) {
      return; // late: the request timed out or was cancelled
    }
    try {
      f.complete(replies.decode(e.payload()));
    } catch (CodecException | RuntimeException bad) {
      f.completeExceptionally(bad);
    }
  }

  private void onFailure(Envelope e) {
    CompletableFuture<R> f = pending.remove(e.correlationId());
    if (f == null) {
      return;
    }
    try {
      Envelope.Failure failure = Envelope.Failure.read(e.payload(), uri());
      f.completeExceptionally(new RemoteHandlerException(uri(), e.correlationId(),
          failure.exceptionClass(), failure.message()));
    } catch (ProtocolException bad) {
      f.completeExceptionally(bad);
    }
  }

  private void onEvent(Envelope e) {
    List<Consumer<? super T>> l = listeners.get(e.type());
    if (l == null || l.isEmpty()) {
      return;
    }
    T value;
    try {
      value = requests.decode(e.payload());
    } catch (CodecException | RuntimeException bad) {
      report(bad);
      return;
    }
    try {
      executor.execute(() -> {
        for (Consumer<? super T> listener : l) {
          try {
            listener.accept(value);
          } catch (RuntimeException t) {
            // one failing listener must not hide the event from the others
            report(t);
          }
        }
      });
    } catch (RejectedExecutionException rejected) {
      if (!closed.get()) {
        report(rejected);
      }
    }
  }

  /** Events have no one to answer to: their failures go where uncaught exceptions go. */
  private static void report(Throwable t) {
    Thread self = Thread.currentThread();
    self.getUncaughtExceptionHandler().uncaughtException(self, t);
  }

  @Override
  public String toString() {
    return "RpcChannel[" + uri() + ", " + requests.name() + " -> " + replies.name() + "]";
  }
}
