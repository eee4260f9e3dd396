package dev.ipckit.redis;

import dev.ipckit.Capabilities;
import dev.ipckit.Channel;
import dev.ipckit.ChannelClosedException;
import dev.ipckit.ChannelOptions;
import dev.ipckit.IpcException;
import dev.ipckit.MessageHandler;
import dev.ipckit.MessageTooLargeException;
import dev.ipckit.redis.internal.Frame;
import dev.ipckit.redis.internal.GapTracker;
import dev.ipckit.redis.internal.Inbox;
import dev.ipckit.redis.internal.Publisher;
import dev.ipckit.redis.internal.SendWindow;
import dev.ipckit.redis.internal.Subscriber;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * A channel over Redis pub/sub, in one of three roles:
 * <ul>
 *   <li><b>bus</b> ({@code ?channel=NAME} or {@code ?pattern=GLOB}): {@code send} publishes to
 *       NAME, {@code receive} returns what every other publisher sent to it (one-to-many);
 *   <li><b>client</b> ({@code ?server=NAME}): one end of a pair with an ipckit server listening on
 *       NAME, over a private reply channel;
 *   <li><b>accepted</b>: the server's end of such a pair.
 * </ul>
 * Redis pub/sub is at-most-once: a message published while a subscriber is disconnected is gone.
 * Each message carries its publisher's id and sequence number (docs/REDIS.md), so a receiver
 * learns how many it missed: {@code receive} and {@code poll} throw {@link MessageGapException}
 * once at the place of the gap and go on. The subscription reconnects and resubscribes with
 * backoff by itself; a pair's ends exchange heartbeats and treat a silent peer as lost.
 *
 * <p>Flow control (pairs only): a sender may have at most {@code receiveQueue} bytes that its
 * peer has not consumed; past that, {@code send} waits for the peer's CREDIT frames up to the
 * send timeout. So a peer that reads slowly slows its sender down instead of losing messages, as
 * long as Redis stays up. A bus has no flow control: a slow subscriber drops and reports.
 *
 * <p>Threads: a bus or client channel owns a subscriber thread and a publisher thread (daemon,
 * named {@code ipckit-redis-*}), both stopped by {@link #close()}; accepted channels share their
 * server's. Thread-safety is that of {@link Channel}.
 */
public final class RedisPubSubChannel implements Channel {
  static final Capabilities CAPABILITIES = RedisTransport.PUBSUB_CAPABILITIES;

  enum Role { BUS, CLIENT, ACCEPTED }

  private final String uri;
  private final String display;
  private final ChannelOptions common;
  private final PubSubOptions options;
  private final Role role;
  private final long id;
  private final byte[] publishTo;
  private final AtomicLong seq = new AtomicLong();
  private final Inbox inbox;
  private final GapTracker gaps;
  private final Publisher publisher;
  private final BooleanSupplier subscribed;
  private final Runnable onClose;
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile Subscriber subscriber;
  private volatile long lastSentNanos = System.nanoTime();
  /** Set per message instead of reading the clock; {@link #tick} turns it into lastSentNanos. */
  private volatile boolean sent;
  private volatile long lastHeardNanos = System.nanoTime();
  /** Set per frame from the peer instead of reading the clock; {@link #tick} turns it into lastHeardNanos. */
  private volatile boolean heard;
  private volatile String peerGone;

  // flow control of a pair, sending side: bytes in flight by sequence number, released by CREDIT
  private final long window;
  private final SendWindow flow;
  private final Supplier<String> closedReason = this::whyClosed;
  // receiving side: what the application consumed of the peer's messages, and what we told it
  private volatile long consumedSeq;
  private final AtomicLong consumedSinceCredit = new AtomicLong();
  private volatile long creditSentSeq;
  private volatile long creditSentNanos = System.nanoTime();

  RedisPubSubChannel(String uri, String display, ChannelOptions common, PubSubOptions options, Role role,
      long id, String publishTo, Publisher publisher, BooleanSupplier subscribed, Runnable onClose) {
    this.uri = uri;
    this.display = display;
    this.common = common;
    this.options = options;
    this.role = role;
    this.id = id;
    this.publishTo = publishTo == null ? null : publishTo.getBytes(StandardCharsets.UTF_8);
    this.inbox = new Inbox(display, options.receiveQueue(), this::consumed);
    this.window = options.receiveQueue();
    this.flow = new SendWindow(display, window);
    this.gaps = new GapTracker(role != Role.BUS);
    this.publisher = publisher;
    this.subscribed = subscribed;
    this.onClose = onClose;
  }

  void attach(Subscriber s) {
    this.subscriber = s;
  }

  /** This channel's publisher id, as it appears in the header of every message it sends. */
  public long publisherId() {
    return id;
  }

  /** Messages this channel knows it missed (gaps in sequence numbers, drops from a full queue). */
  public long lostMessages() {
    return inbox.totalLost();
  }

  /** Connections the subscription has used so far: 1 plus its reconnects (0 without one). */
  int subscriptionConnects() {
    Subscriber s = subscriber;
    return s == null ? 0 : s.connects();
  }

  @Override
  public String uri() {
    return uri;
  }

  @Override
  public Capabilities capabilities() {
    return CAPABILITIES;
  }

  @Override
  public void send(ByteBuffer message) throws IOException {
    if (closed.get()) {
      throw new ChannelClosedException("channel " + display + " is closed");
    }
    String gone = peerGone;
    if (gone != null) {
      throw new ChannelClosedException(gone);
    }
    if (publishTo == null) {
      throw new IpcException(display + " only subscribes to a pattern; add ?channel=NAME to publish");
    }
    if (message.remaining() > common.maxMessage()) {
      throw new MessageTooLargeException(display, message.remaining(), common.maxMessage());
    }
    long timeout = common.sendTimeout().toNanos();
    if (role == Role.BUS) {
      publisher.publish(publishTo, id, message, options.plain() ? null : seq, null, timeout);
    } else {
      int frame = Frame.HEADER + message.remaining();
      long left = flow.reserve(frame, timeout, closedReason, null, Long.MAX_VALUE);
      try {
        publisher.publish(publishTo, id, message, seq, flow, left);
      } catch (IOException | RuntimeException e) {
        flow.release(frame);
        throw e;
      }
    }
    if (!sent) {
      sent = true;
    }
  }

  private String whyClosed() {
    return closed.get() ? "channel " + display + " is closed" : peerGone;
  }

  /** The application took the peer's message (or gap) up to {@code upTo}: tell the peer now and then. */
  private void consumed(long upTo, long bytes) {
    if (role == Role.BUS || upTo <= 0) {
      return;
    }
    if (upTo > consumedSeq) {
      consumedSeq = upTo;
    }
    if (consumedSinceCredit.addAndGet(bytes + Frame.HEADER) >= window / 4) {
      sendCredit(System.nanoTime());
    }
  }

  private void sendCredit(long now) {
    consumedSinceCredit.set(0);
    long upTo = consumedSeq;
    creditSentSeq = upTo;
    creditSentNanos = now;
    publisher.control(publishTo, Frame.control(Frame.CREDIT, id, upTo));
  }

  @Override
  public void flush() throws IOException {
    if (closed.get()) {
      throw new ChannelClosedException("channel " + display + " is closed");
    }
    publisher.flush(common.sendTimeout().toNanos());
  }

  @Override
  public ByteBuffer receive(Duration timeout) throws IOException {
    checkSubscribed();
    return inbox.take(timeout.toNanos());
  }

  @Override
  public Duration receiveTimeout() {
    return common.receiveTimeout();
  }

  @Override
  public int poll(MessageHandler handler, int limit, Duration timeout) throws IOException {
    checkSubscribed();
    return inbox.poll(handler, limit, timeout.toNanos());
  }

  private void checkSubscribed() throws IpcException {
    if (role == Role.BUS && !options.subscribe()) {
      throw new IpcException(display + " was opened with subscribe=false: it only publishes");
    }
  }

  /** This end was closed (cheaper than {@link #isOpen}, which also asks the inbox). */
  boolean isClosed() {
    return closed.get();
  }

  @Override
  public boolean isOpen() {
    return !closed.get() && !(peerGone != null && inbox.isEnded());
  }

  @Override
  public void close() throws IOException {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    flow.wake();
    if (role != Role.BUS && peerGone == null) {
      publisher.control(publishTo, Frame.control(Frame.BYE, id, seq.get()));
    }
    Subscriber s = subscriber;
    if (s != null) {
      s.close();
    }
    inbox.close();
    if (role == Role.ACCEPTED) {
      // the publisher is the server's; if Redis is unreachable the client times this end out
      publisher.drainWhileConnected(common.sendTimeout().toNanos());
    } else {
      publisher.close(common.sendTimeout().toNanos());
    }
    onClose.run();
  }

  // ---- called on the subscriber thread ----

  /** A message arrived on the subscription. */
  void deliver(byte[] message) {
    if (options.plain()) {
      inbox.offer(message, 0);
      return;
    }
    byte kind = Frame.kind(message);
    if (kind == 0) {
      if (role == Role.BUS) {
        inbox.offer(message, 0); // from redis-cli or another language: delivered as it is
      }
      return;
    }
    long from = Frame.publisher(message);
    if (from == id && !options.echo()) {
      return;
    }
    if (!heard) {
      heard = true;
    }
    long n = Frame.seq(message);
    if (kind == Frame.DATA) {
      long lost = gaps.onData(from, n);
      if (lost >= 0) {
        inbox.gap(lost, n - 1);
        inbox.offer(message, Frame.HEADER, n);
      }
    } else if (kind == Frame.HEARTBEAT) {
      inbox.gap(gaps.onLast(from, n), n);
    } else if (kind == Frame.CREDIT) {
      if (role != Role.BUS) {
        flow.credit(n);
      }
    } else if (kind == Frame.BYE) {
      inbox.gap(gaps.onLast(from, n), n);
      gaps.forget(from);
      if (role != Role.BUS) {
        peerEnded("peer closed channel " + display);
      }
    }
  }

  /** The subscription was (re)established: what the peer said meanwhile is lost, its clock restarts. */
  void resubscribed() {
    lastHeardNanos = System.nanoTime();
  }

  private void peerEnded(String reason) {
    if (peerGone == null) {
      peerGone = reason;
      inbox.end(reason);
      flow.wake();
    }
  }

  // ---- called on the publisher thread ----

  /** Heartbeats, subscription pings, the peer's timeout. */
  void tick(long now) {
    if (closed.get()) {
      return;
    }
    if (heard) {
      heard = false;
      lastHeardNanos = now;
    }
    if (sent) {
      sent = false;
      lastSentNanos = now;
    }
    Subscriber s = subscriber;
    if (s != null) {
      s.ping(now);
    }
    long beat = options.heartbeat().toNanos();
    if (beat > 0 && !options.plain() && publishTo != null && peerGone == null
        && (role != Role.BUS || seq.get() > 0) && now - lastSentNanos >= beat) {
      lastSentNanos = now;
      publisher.control(publishTo, Frame.control(Frame.HEARTBEAT, id, seq.get()));
    }
    if (role != Role.BUS && beat > 0 && peerGone == null && consumedSeq > 0
        && (consumedSeq > creditSentSeq || now - creditSentNanos >= beat)) {
      sendCredit(now); // also repeats the last credit, in case Redis lost it
    }
    if (role != Role.BUS && beat > 0 && peerGone == null && subscribed.getAsBoolean()
        && now - lastHeardNanos > options.peerTimeout().toNanos()) {
      peerEnded("peer lost on " + display + ": nothing heard from it for "
          + (now - lastHeardNanos) / 1_000_000 + " ms (peerTimeout " + options.peerTimeout().toMillis() + " ms)");
    }
  }

  @Override
  public String toString() {
    return "RedisPubSubChannel[" + role + " " + display + "]";
  }
}
