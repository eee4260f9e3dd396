package dev.ipckit.redis;

import dev.ipckit.Capabilities;
import dev.ipckit.Channel;
import dev.ipckit.ChannelClosedException;
import dev.ipckit.ChannelOptions;
import dev.ipckit.IpcException;
import dev.ipckit.MessageHandler;
import dev.ipckit.MessageTooLargeException;
import dev.ipckit.redis.internal.Inbox;
import dev.ipckit.redis.internal.Publisher;
import dev.ipckit.redis.internal.SendWindow;
import dev.ipckit.redis.internal.StreamReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import redis.clients.jedis.CommandArguments;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.Response;

/**
 * A channel over Redis Streams, in one of three roles:
 * <ul>
 *   <li><b>stream</b> ({@code ?stream=NAME&group=G&consumer=C}): {@code send} appends to NAME (or
 *       {@code to}); {@code receive} reads NAME as consumer C of group G. Each group gets every
 *       entry; within a group each entry goes to one consumer (a work queue);
 *   <li><b>client</b> ({@code ?server=NAME}): one end of a pair with an ipckit server, over two
 *       streams of its own, one per direction;
 *   <li><b>accepted</b>: the server's end of such a pair.
 * </ul>
 * At-least-once: an entry is acknowledged (XACK) once the application has had it, which is when
 * it comes back for more: the next {@code receive} or {@code poll} call acknowledges what the
 * previous ones returned, {@code poll} acknowledges what its handler took when the handler
 * returns, {@link #acknowledge()} does it at once, and {@code close} acknowledges what was
 * returned before it; {@link #flush()} waits until those queued so far reached Redis. Entries
 * read ahead but not yet returned stay pending: after a crash the same consumer name gets them
 * again, or another consumer claims them after {@code claimAfter}. A stream is also a log to
 * replay: {@link #lastDeliveredId()} is a position, {@code start=<id>} a new group's start there.
 *
 * <p>Threads: a reader thread ({@code ipckit-redis-xread-*}) per receiving channel and a writer
 * thread ({@code ipckit-redis-xadd-*}; a server's accepted channels share the server's), both
 * stopped by {@link #close()}. Thread-safety is that of {@link Channel}.
 */
public final class RedisStreamChannel implements Channel {
  enum Role { STREAM, CLIENT, ACCEPTED }

  private static final long CREDIT_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

  private final String uri;
  private final String display;
  private final ChannelOptions common;
  private final StreamOptions options;
  private final Role role;
  private final byte[] out;
  private final String in;
  private final Publisher writer;
  private final boolean ownsWriter;
  private final Runnable onClose;
  private final Inbox inbox;
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile StreamReader reader;
  private volatile IOException writeError;

  // entries handed to the inbox and not yet acknowledged, by local number
  private final ConcurrentSkipListMap<Long, String> unacked = new ConcurrentSkipListMap<>();
  private long received;
  private volatile long delivered;
  private volatile String lastDeliveredId;
  private long acked;

  // pairs: explicit entry ids <idMillis>-<n> make a write retried after a broken connection
  // harmless (Redis refuses an id it already has), and number messages for the send window
  private final long idMillis = System.currentTimeMillis();
  private final AtomicLong written = new AtomicLong();
  private final SendWindow flow;
  private final Supplier<String> closedReason = this::whyClosed;
  private final Runnable creditAsker = this::askCredit;
  private final byte[] inAlive;
  private final byte[] outAlive;
  private volatile String peerConsumedId = "0-0";
  private final AtomicLong consumedSinceCredit = new AtomicLong();
  private final AtomicBoolean creditAsked = new AtomicBoolean();
  private volatile long lastAliveNanos = System.nanoTime();
  private volatile boolean peerSeen;
  private volatile String peerGone;
  private volatile boolean peerSaidBye;

  RedisStreamChannel(String uri, String display, ChannelOptions common, StreamOptions options, Role role,
      String out, String in, Publisher writer, boolean ownsWriter, Runnable onClose) {
    this.uri = uri;
    this.display = display;
    this.common = common;
    this.options = options;
    this.role = role;
    this.out = out == null ? null : out.getBytes(StandardCharsets.UTF_8);
    this.in = in;
    this.writer = writer;
    this.ownsWriter = ownsWriter;
    this.onClose = onClose;
    this.inbox = new Inbox(display, options.receiveQueue(), this::consumed);
    this.flow = role == Role.STREAM ? null : new SendWindow(display, options.receiveQueue());
    this.inAlive = role == Role.STREAM ? null : aliveKey(in);
    this.outAlive = role == Role.STREAM ? null : aliveKey(out);
  }

  /** The key whose presence says the reader of {@code stream} is alive; its value is what it consumed. */
  static byte[] aliveKey(String stream) {
    return (stream + ":reader").getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Starts reading {@code in} (if this channel receives) as {@code consumer} of {@code group}; a
   * group created here starts after {@code groupStart} (XGROUP CREATE's id).
   */
  void startReading(RedisEndpoint endpoint, String group, String consumer, String groupStart, Duration claimAfter)
      throws IpcException {
    if (in == null) {
      return;
    }
    StreamReader r = new StreamReader(endpoint, display, "ipckit-redis-xread-" + in, in, group, consumer, groupStart,
        claimAfter, options.count(), new StreamReader.Sink() {
          @Override
          public long awaitRoom(long nanos) {
            return inbox.awaitRoom(nanos);
          }

          @Override
          public boolean entry(String id, byte[] payload, boolean bye) {
            return onEntry(id, payload, bye);
          }

          @Override
          public void skipped(String id) {
            ack(List.of(id));
          }
        }, options.backoff(), options.maxBackoff());
    reader = r;
    r.start(common.connectTimeout());
  }

  @Override
  public String uri() {
    return uri;
  }

  @Override
  public Capabilities capabilities() {
    return RedisStreamTransport.CAPABILITIES;
  }

  /** Connections the reader has used so far: 1 plus its reconnects (0 without a reader). */
  int readerConnects() {
    StreamReader r = reader;
    return r == null ? 0 : r.connects();
  }

  @Override
  public void send(ByteBuffer message) throws IOException {
    checkSendable();
    if (message.remaining() > common.maxMessage()) {
      throw new MessageTooLargeException(display, message.remaining(), common.maxMessage());
    }
    byte[] payload = new byte[message.remaining()];
    message.duplicate().get(payload);
    long timeout = common.sendTimeout().toNanos();
    if (flow == null) {
      writer.submit(new XAdd(payload), payload.length, timeout);
      return;
    }
    long left = flow.reserve(payload.length, timeout, closedReason, creditAsker, CREDIT_POLL_NANOS);
    try {
      writer.submit(new XAdd(payload), payload.length, left);
    } catch (IOException | RuntimeException e) {
      flow.release(payload.length);
      throw e;
    }
  }

  private void checkSendable() throws IOException {
    String why = whyClosed();
    if (why != null) {
      throw new ChannelClosedException(why);
    }
    IOException e = writeError;
    if (e != null) {
      throw new IpcException("an earlier message could not be written to Redis on " + display + ": "
          + e.getMessage(), e);
    }
  }

  private String whyClosed() {
    return closed.get() ? "channel " + display + " is closed" : peerGone;
  }

  @Override
  public void flush() throws IOException {
    if (closed.get()) {
      throw new ChannelClosedException("channel " + display + " is closed");
    }
    writer.flush(common.sendTimeout().toNanos());
    checkSendable();
  }

  @Override
  public ByteBuffer receive(Duration timeout) throws IOException {
    checkReceiving();
    acknowledge();
    return inbox.take(timeout.toNanos());
  }

  @Override
  public Duration receiveTimeout() {
    return common.receiveTimeout();
  }

  @Override
  public int poll(MessageHandler handler, int limit, Duration timeout) throws IOException {
    checkReceiving();
    acknowledge();
    int n = inbox.poll(handler, limit, timeout.toNanos());
    acknowledge();
    return n;
  }

  private void checkReceiving() throws IOException {
    if (in == null) {
      if (closed.get()) {
        throw new ChannelClosedException("channel " + display + " is closed");
      }
      throw new IpcException(display + " was opened with receive=false: it only writes");
    }
  }

  /** Acknowledges (XACK) every entry receive or poll has returned so far. */
  public void acknowledge() {
    long upTo = delivered;
    List<String> ids;
    synchronized (unacked) {
      if (upTo <= acked) {
        return;
      }
      acked = upTo;
      ConcurrentNavigableMap<Long, String> done = unacked.headMap(upTo, true);
      ids = new ArrayList<>(done.values());
      done.clear();
    }
    ack(ids);
  }

  private void ack(List<String> ids) {
    if (ids.isEmpty() || in == null) {
      return;
    }
    byte[] key = in.getBytes(StandardCharsets.UTF_8);
    byte[] group = (role == Role.STREAM ? options.group() : RedisStreamTransport.PAIR_GROUP)
        .getBytes(StandardCharsets.UTF_8);
    writer.control(new Publisher.Command() {
      @Override
      public Response<?> queue(Pipeline p) {
        CommandArguments args = new CommandArguments(Protocol.Command.XACK).add(key).add(group);
        ids.forEach(args::add);
        return p.sendCommand(args);
      }

      @Override
      public void done(Object reply, Exception error) {
        StreamReader r = reader;
        if (error == null && r != null) {
          r.acked(ids);
        }
      }
    });
  }

  /**
   * The entry id ({@code <ms>-<seq>}) of the last message {@code receive} or {@code poll} has
   * returned on this channel (for {@code poll}: the last one of its batch, from when the batch
   * is taken), or null if none yet. Opening a new group with {@code start=<this id>} replays the
   * stream from this message on; to resume after it, reopen the same group and consumer name,
   * which also gets what this channel read ahead and did not return.
   */
  public String lastDeliveredId() {
    return lastDeliveredId;
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
    if (flow != null) {
      flow.wake();
    }
    StreamReader r = reader;
    if (r != null) {
      r.close();
    }
    acknowledge();
    inbox.close();
    if (role != Role.STREAM) {
      if (peerGone == null) {
        writer.control(new XAdd(null));
      }
      writer.control(p -> p.del(inAlive));
      writer.control(p -> p.unlink(in.getBytes(StandardCharsets.UTF_8)));
      if (peerGone != null) {
        writer.control(p -> p.unlink(out)); // the peer will not read it any more
      }
    }
    if (ownsWriter) {
      writer.close(common.sendTimeout().toNanos());
    } else {
      writer.drainWhileConnected(common.sendTimeout().toNanos());
    }
    onClose.run();
  }

  // ---- called on the reader thread ----

  private boolean onEntry(String id, byte[] payload, boolean bye) {
    if (bye) {
      if (role == Role.STREAM) {
        ack(List.of(id)); // only pairs end; a stream shared by many has no single peer to close
        return true;
      }
      ack(List.of(id));
      peerSaidBye = true;
      peerEnded("peer closed channel " + display);
      return false;
    }
    long n = ++received;
    unacked.put(n, id);
    inbox.put(payload, 0, n);
    return true;
  }

  /** The application took everything up to local number {@code upTo} (called under the inbox's lock). */
  private void consumed(long upTo, long bytes) {
    if (upTo <= 0) {
      return;
    }
    String id = unacked.get(upTo); // before delivered moves: acknowledge() then removes it
    if (id != null) {
      lastDeliveredId = id;
    }
    delivered = upTo;
    if (flow != null) {
      if (consumedSinceCredit.addAndGet(bytes) >= flow.window() / 4) {
        consumedSinceCredit.set(0);
        tellConsumed();
      }
    }
  }

  private void peerEnded(String reason) {
    if (peerGone == null) {
      peerGone = reason;
      inbox.end(reason);
      flow.wake();
    }
  }

  // ---- pairs: liveness and credit, queued from the writer thread's ticks ----

  /** Renews this end's liveness key, carrying what it consumed of the peer's stream. */
  private void tellConsumed() {
    String id = lastDeliveredId;
    String value = id == null ? "0-0" : id;
    long px = options.peerTimeout().toMillis();
    writer.control(p -> p.psetex(inAlive, px, value.getBytes(StandardCharsets.US_ASCII)));
  }

  /** Reads the peer's liveness key: its presence says the peer lives, its value what it consumed. */
  private void askCredit() {
    if (closed.get() || !creditAsked.compareAndSet(false, true)) {
      return;
    }
    writer.control(new Publisher.Command() {
      @Override
      public Response<?> queue(Pipeline p) {
        return p.get(outAlive);
      }

      @Override
      public void done(Object reply, Exception error) {
        creditAsked.set(false);
        if (error != null) {
          return;
        }
        long now = System.nanoTime();
        if (reply == null) {
          // the key expired: the peer has not renewed it for peerTimeout. Until it is first seen
          // (and again after an outage of Redis) the peer gets a full peerTimeout to set it.
          if (peerGone == null && (peerSeen || now - lastAliveNanos > options.peerTimeout().toNanos())) {
            peerEnded("peer lost on " + display + ": its liveness key " + new String(outAlive, StandardCharsets.UTF_8)
                + " expired (peerTimeout " + options.peerTimeout().toMillis() + " ms)");
          }
          return;
        }
        peerSeen = true;
        String id = new String((byte[]) reply, StandardCharsets.US_ASCII);
        peerConsumedId = id;
        int dash = id.indexOf('-');
        if (dash > 0 && Long.parseLong(id.substring(0, dash)) == idMillis) {
          flow.credit(Long.parseLong(id.substring(dash + 1)));
        }
      }
    });
  }

  /** Called on the writer thread about four times per heartbeat. */
  void tick(long now) {
    if (role == Role.STREAM || closed.get() || peerSaidBye) {
      return;
    }
    if (!writer.isConnected()) {
      lastAliveNanos = now; // while Redis is unreachable the peer cannot be judged
      peerSeen = false;
      return;
    }
    tellConsumed();
    askCredit();
  }

  /** XADD of one message (or, with a null payload, the end marker). */
  private final class XAdd implements Publisher.Command {
    private final byte[] payload;
    private long n;

    XAdd(byte[] payload) {
      this.payload = payload;
    }

    @Override
    public void enqueued() {
      if (flow != null) {
        n = written.incrementAndGet();
        if (payload != null) {
          flow.sent(n, payload.length);
        }
      }
    }

    @Override
    public Response<?> queue(Pipeline p) {
      CommandArguments args = new CommandArguments(Protocol.Command.XADD).add(out);
      if (flow != null) {
        args.add("MINID").add("~").add(peerConsumedId).add(idMillis + "-" + n);
      } else {
        if (options.maxLen() > 0) {
          args.add("MAXLEN").add("~").add(options.maxLen());
        }
        args.add("*");
      }
      if (payload == null) {
        args.add(StreamReader.BYE).add(new byte[0]);
      } else {
        args.add(StreamReader.DATA).add(payload);
      }
      return p.sendCommand(args);
    }

    @Override
    public void done(Object reply, Exception error) {
      if (error == null || error instanceof ChannelClosedException) {
        return;
      }
      if (flow != null && String.valueOf(error.getMessage()).contains("equal or smaller")) {
        return; // written before the connection broke; this was the retry
      }
      writeError = error instanceof IOException io ? io : new IOException(error.getMessage(), error);
    }
  }

  @Override
  public String toString() {
    return "RedisStreamChannel[" + role + " " + display + "]";
  }
}
