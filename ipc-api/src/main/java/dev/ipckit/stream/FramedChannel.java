package dev.ipckit.stream;

import dev.ipckit.Capabilities;
import dev.ipckit.Channel;
import dev.ipckit.ChannelClosedException;
import dev.ipckit.ChannelOptions;
import dev.ipckit.IpcException;
import dev.ipckit.MessageHandler;
import dev.ipckit.MessageTooLargeException;
import dev.ipckit.PeerCredentials;
import dev.ipckit.ProtocolException;
import dev.ipckit.SendTimeoutException;
import dev.ipckit.Capability;
import dev.ipckit.Delivery;
import dev.ipckit.Handle;
import dev.ipckit.TransportUnavailableException;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A {@link Channel} over any {@link StreamLink}: the framing, batching and backpressure that every
 * byte-stream transport (unix, tcp, fd, pipe) shares. After the {@link Handshake}:
 *
 * <pre>
 *  frame
 *  0                       4
 *  +-----------------------+---------------------------+
 *  | length (i32, BE)      | payload (length bytes)    |
 *  +-----------------------+---------------------------+
 *  length &gt;= 0   a message; checked against maxMessage before anything is allocated
 *  length == -1  GOODBYE: the sender closed in order; nothing follows
 *  other         a protocol error
 * </pre>
 *
 * <p><b>Sending: smart batching.</b> {@code send} copies the frame into a bounded buffer. A message
 * sent after a quiet spell (or in answer to one just received) is written at once by the sending
 * thread, so a request/response costs one system call a side. Messages sent in a burst are left in
 * the buffer for the channel's flusher thread, which writes everything queued in one system call
 * while senders go on filling the other half of the double buffer: the batch grows with the load
 * and no message waits for a batch to fill.
 *
 * <p><b>Receiving</b> happens on the caller's thread: one read fills the receive buffer with as
 * many frames as arrived, and {@link #poll} hands them out as views without copying.
 *
 * <p>With {@link Framing#NDJSON} the frames above are replaced by lines (a message, then
 * {@code \n}; no GOODBYE, the end of the stream is the close); everything else is the same.
 */
public final class FramedChannel implements Channel {
  private static final int HEADER = 4;
  private static final int GOODBYE = -1;
  /** Control frame: the next frame's message carries this many descriptors, which came with these bytes. */
  private static final int HANDLES = -2;
  /** The kernel passes at most 253 descriptors with one message (SCM_MAX_FD). */
  public static final int MAX_HANDLES = 253;
  /** A send this long after the last write is a lone message and is written at once. */
  private static final long QUIET_NANOS = TimeUnit.MICROSECONDS.toNanos(50);
  /** How long the flusher first waits to see whether a sender is still appending. */
  private static final long LINGER_MIN_NANOS = TimeUnit.MICROSECONDS.toNanos(20);
  /** The longest it waits between looks, so the tail of a burst is written within this. */
  private static final long LINGER_MAX_NANOS = TimeUnit.MICROSECONDS.toNanos(200);

  private final String uri;
  private final StreamLink link;
  private final ChannelOptions options;
  private final Capabilities capabilities;
  private final long sendLimit;
  private final long receiveLimit;
  private final Optional<PeerCredentials> credentials;
  private final Framing framing;
  /** Messages end with {@link #delimiter} instead of starting with a length. */
  private final boolean delimited;
  private final byte delimiter;
  /** HEADER, or the one delimiter byte. */
  private final int overhead;
  private final AtomicBoolean closed = new AtomicBoolean();
  /** Closed or failed, either way: one volatile read tells the burst path to go the slow way. */
  private volatile boolean unusable;
  /**
   * The largest message the burst path takes: one whose frame fits half the send buffer and the
   * peer's limit; -1 for a delimited framing, whose messages are checked first.
   */
  private final long busyFrameLimit;

  // ---- sending; guarded by lock, except the fill buffer's frames (the append lock, below)
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition dataReady = lock.newCondition();
  private final Condition writerDone = lock.newCondition();
  private ByteBuffer fill; // write mode: senders append frames
  private ByteBuffer drain; // read mode: the batch being written
  private final ByteBuffer[] drainArray = new ByteBuffer[1];
  /** Someone (a sender, the flusher, a reader about to wait) holds the writer role. */
  private boolean writing;
  private boolean flusherParked;
  private volatile boolean flusherStopping;
  /** Frames appended so far; the flusher watches it to tell a busy sender from a quiet one. */
  private long appends;
  private static final VarHandle APPENDS;
  /**
   * The append lock (1: held): appending to a batch that already holds frames takes only this, so
   * a sender in a burst pays one CAS per message. Anyone who changes the fill buffer's position
   * other than by appending ({@link #swap}) takes it too; under {@link #lock}, whether the fill
   * buffer is empty cannot change (only the lock holder appends a batch's first frame), though
   * how full it is can.
   */
  private int appending;
  private static final VarHandle APPENDING;

  static {
    try {
      APPENDS = MethodHandles.lookup().findVarHandle(FramedChannel.class, "appends", long.class);
      APPENDING = MethodHandles.lookup().findVarHandle(FramedChannel.class, "appending", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }
  /** When the last write ended: a send after a quiet spell is written at once. */
  private long lastWriteNanos;
  /**
   * Set when the reader has taken the last message that had arrived: a send now is likely the
   * answer a peer waits for, so it is written at once rather than batched.
   */
  private volatile boolean answered = true;
  /** A lone message was just written whole; a reader about to wait for its answer skips a read. */
  private volatile boolean justSent;
  private volatile IOException failure;
  private final Thread flusher;

  // ---- receiving; guarded by readLock
  private final ReentrantLock readLock = new ReentrantLock();
  private final ByteBuffer rbuf; // [rpos, rbuf.position()) holds unparsed bytes
  private final ByteBuffer view;
  private int rpos;
  private ByteBuffer large; // a frame too big for rbuf, being filled
  private ByteBuffer longLine; // delimited: a message too big for rbuf, growing until its end comes
  private final ArrayDeque<FileDescriptor> arrived = new ArrayDeque<>(); // descriptors not yet claimed
  private List<FileDescriptor> pendingHandles; // announced by a HANDLES frame, for the next message
  private List<FileDescriptor> deliveringHandles; // with the message being handed out now
  private final boolean peerAcceptsHandles;
  private volatile IOException readFailure;
  /** The last read found nothing, or emptied the stream (it left room in rbuf): the next one waits first. */
  private boolean dry;
  /** End of stream seen by {@link #isOpen}; the reader meets it again on its next read. */
  private volatile boolean eofSeen;

  /**
   * @param peerMaxMessage the largest frame the peer accepts (from its hello)
   */
  public FramedChannel(String uri, StreamLink link, ChannelOptions options, Capabilities capabilities,
      long peerMaxMessage, Optional<PeerCredentials> credentials) {
    this(uri, link, options, capabilities, peerMaxMessage, credentials, Framing.IPCKIT);
  }

  /**
   * @param peerMaxMessage the largest frame the peer accepts (from its hello; this end's own
   *     maxMessage for a framing without handshake)
   */
  public FramedChannel(String uri, StreamLink link, ChannelOptions options, Capabilities capabilities,
      long peerMaxMessage, Optional<PeerCredentials> credentials, Framing framing) {
    this(uri, link, options, capabilities, peerMaxMessage, credentials, framing, false);
  }

  /**
   * @param peerAcceptsHandles the peer's hello said it reads HANDLES frames
   */
  public FramedChannel(String uri, StreamLink link, ChannelOptions options, Capabilities capabilities,
      long peerMaxMessage, Optional<PeerCredentials> credentials, Framing framing, boolean peerAcceptsHandles) {
    this.peerAcceptsHandles = peerAcceptsHandles;
    this.framing = framing;
    this.delimited = framing.delimiter() >= 0;
    this.delimiter = (byte) framing.delimiter();
    this.overhead = delimited ? 1 : HEADER;
    this.uri = uri;
    this.link = link;
    this.options = options;
    this.capabilities = capabilities;
    this.sendLimit = Math.min(options.maxMessage(), peerMaxMessage);
    this.receiveLimit = options.maxMessage();
    this.credentials = credentials;
    this.busyFrameLimit = delimited ? -1 : Math.min(sendLimit, options.sendBuffer() / 2 - HEADER);
    this.fill = ByteBuffer.allocateDirect(options.sendBuffer() / 2);
    this.drain = ByteBuffer.allocateDirect(options.sendBuffer() / 2).flip();
    this.drainArray[0] = drain;
    this.rbuf = ByteBuffer.allocateDirect(options.receiveBuffer());
    this.view = rbuf.asReadOnlyBuffer();
    this.flusher = new Thread(this::flushLoop, "ipckit-flush " + uri);
    flusher.setDaemon(true);
    flusher.start();
  }

  @Override
  public String uri() {
    return uri;
  }

  @Override
  public Capabilities capabilities() {
    return capabilities;
  }

  @Override
  public Optional<PeerCredentials> peerCredentials() {
    return credentials;
  }

  /**
   * Also notices a peer that closed while nobody was receiving: reading happens on the caller's
   * thread, so this reads what has arrived (into the receive buffer, where the next receive
   * finds it) and looks for the end of the stream.
   */
  @Override
  public boolean isOpen() {
    if (closed.get() || failure != null || readFailure != null || eofSeen) {
      return false;
    }
    if (readLock.tryLock()) {
      try {
        if (large == null && longLine == null && (rpos > 0 || rbuf.hasRemaining())) {
          compact();
          if (rbuf.hasRemaining() && link.read(rbuf, 0) < 0) {
            eofSeen = true;
          }
        }
      } catch (IOException e) {
        readFailed(new ChannelClosedException("connection to " + uri + " lost: " + e.getMessage(), e));
      } finally {
        readLock.unlock();
      }
    }
    return !eofSeen && failure == null && readFailure == null;
  }

  // ------------------------------------------------------------------ sending

  /**
   * A message sent inside a burst takes {@link #appendToBusyBatch}, kept small so the JIT inlines
   * it into the caller's loop; everything else (the first message of a batch, a full batch, large
   * frames, delimited framings, a closed channel) goes the slow way.
   */
  @Override
  public void send(ByteBuffer message) throws IOException {
    if (!appendToBusyBatch(message)) {
      sendSlowly(message);
    }
  }

  private void sendSlowly(ByteBuffer message) throws IOException {
    int len = message.remaining();
    if (len > sendLimit) {
      checkOpen();
      throw new MessageTooLargeException(uri, len, sendLimit);
    }
    if (delimited) {
      String why = framing.refuse(message);
      if (why != null) {
        checkOpen();
        throw new IllegalArgumentException("cannot send on " + uri + " with framing=" + framing + ": " + why);
      }
    }
    if (overhead + len > fill.capacity()) {
      sendLarge(message);
      return;
    }
    boolean inline = false;
    lock.lock();
    try {
      checkOpen();
      int p;
      while (true) {
        if (fill.remaining() < overhead + len) {
          writeFullBatch(overhead + len);
        }
        beginAppend();
        try {
          p = fill.position();
          if (fill.capacity() - p >= overhead + len) {
            putFrame(fill, p, message, len);
            break;
          }
          // a sender on the fast path took the room meanwhile
        } finally {
          endAppend();
        }
      }
      if (p == 0 && !writing) {
        if (!drain.hasRemaining() && isLoneMessage()) {
          writing = true;
          inline = true;
        } else if (flusherParked) {
          dataReady.signal();
        }
      }
    } finally {
      lock.unlock();
    }
    if (inline) {
      writeInline();
    }
  }

  /**
   * A send inside a burst: the batch already holds frames, so whoever appended its first frame has
   * arranged for it to be written, and appending needs only the append lock (one uncontended CAS,
   * released without a fence), not {@link #lock}. False when the slow path must decide: the batch
   * is empty or lacks room, the channel is closed or failed, or another sender is appending.
   */
  private boolean appendToBusyBatch(ByteBuffer message) {
    int len = message.remaining();
    if (len > busyFrameLimit || !APPENDING.compareAndSet(this, 0, 1)) {
      return false;
    }
    try {
      ByteBuffer f = fill;
      int p = f.position();
      if (p == 0 || f.capacity() - p < HEADER + len || unusable) {
        return false;
      }
      putLengthFrame(f, p, message, len);
      return true;
    } finally {
      APPENDING.setRelease(this, 0);
    }
  }

  /** Appends one frame at {@code p}, where there is room for it. Append lock held. */
  private void putFrame(ByteBuffer f, int p, ByteBuffer message, int len) {
    if (delimited) {
      f.put(p, message, message.position(), len);
      f.put(p + len, delimiter);
      f.position(p + len + 1);
      APPENDS.setOpaque(this, appends + 1);
    } else {
      putLengthFrame(f, p, message, len);
    }
  }

  /** Appends one length-prefixed frame at {@code p}, where there is room for it. Append lock held. */
  private void putLengthFrame(ByteBuffer f, int p, ByteBuffer message, int len) {
    f.putInt(p, len);
    f.put(p + HEADER, message, message.position(), len);
    f.position(p + HEADER + len);
    APPENDS.setOpaque(this, appends + 1);
  }

  /**
   * Takes the append lock, which guards the fill buffer's contents and position (the writer-role
   * state stays under {@link #lock}). Its holders hold it for one copy, so it is spun for.
   */
  private void beginAppend() {
    int spins = 0;
    while (!APPENDING.compareAndSet(this, 0, 1)) {
      if (++spins < 100) {
        Thread.onSpinWait();
      } else {
        Thread.yield(); // the holder was descheduled mid-copy
      }
    }
  }

  private void endAppend() {
    APPENDING.setRelease(this, 0);
  }

  /**
   * Whether a message sent into an idle channel goes out at once: an answer to what was just
   * received, or the first message after a quiet spell. Anything else is part of a burst and
   * waits, briefly, for the batch to grow. Lock held.
   */
  private boolean isLoneMessage() {
    if (answered) {
      return true;
    }
    return System.nanoTime() - lastWriteNanos > QUIET_NANOS;
  }

  /**
   * The fill buffer lacks room: the sender writes the full batch itself, as a plain blocking
   * writer would, or waits for the writer that is at it. Lock held.
   */
  private void writeFullBatch(int needed) throws IOException {
    long deadline = System.nanoTime() + options.sendTimeout().toNanos();
    while (fill.remaining() < needed) {
      if (!writing) {
        writeQueued(deadline);
        checkOpen();
        continue;
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new SendTimeoutException("send on " + uri + " timed out after " + options.sendTimeout().toMillis()
            + " ms: " + (fill.position() + drain.remaining()) + " bytes unsent, the peer is not reading "
            + "(sendBuffer " + options.sendBuffer() + " bytes)");
      }
      try {
        writerDone.awaitNanos(left);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new ChannelClosedException("interrupted while sending on " + uri, e);
      }
      checkOpen();
    }
  }

  /**
   * Takes the writer role and writes everything queued by {@code deadline}, the lock released
   * meanwhile. Lock held, no writer active.
   */
  private void writeQueued(long deadline) throws IOException {
    writing = true;
    if (!drain.hasRemaining()) {
      swap();
    }
    lock.unlock();
    try {
      writeDrain(deadline);
    } finally {
      lock.lock();
      releaseWriter();
    }
  }

  /** Gives up the writer role; whatever is left goes to the flusher. Lock held. */
  private void releaseWriter() {
    writing = false;
    lastWriteNanos = System.nanoTime();
    if ((drain.hasRemaining() || fill.position() > 0) && flusherParked) {
      dataReady.signal();
    }
    writerDone.signalAll();
  }

  /** Writes all of drain by {@code deadline}. Called without the lock, holding the writer role. */
  private void writeDrain(long deadline) throws IOException {
    try {
      while (drain.hasRemaining()) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new SendTimeoutException("send on " + uri + " timed out after "
              + options.sendTimeout().toMillis() + " ms: the peer is not reading");
        }
        link.write(drainArray, left);
      }
    } catch (SendTimeoutException e) {
      throw e;
    } catch (IOException e) {
      lock.lock();
      try {
        fail(e);
      } finally {
        lock.unlock();
      }
      checkOpen();
    }
  }

  /**
   * Writes what is queued without waiting for room; the flusher takes any rest. Called without
   * the lock, holding the writer role.
   */
  private void writeInline() throws IOException {
    lock.lock();
    try {
      if (!drain.hasRemaining()) {
        swap();
      }
    } finally {
      lock.unlock();
    }
    IOException error = null;
    try {
      link.write(drainArray, 0);
    } catch (IOException e) {
      error = e;
    }
    lock.lock();
    try {
      answered = false;
      justSent = error == null && !drain.hasRemaining();
      if (error != null) {
        fail(error);
      }
      releaseWriter();
    } finally {
      lock.unlock();
    }
    if (error != null) {
      checkOpen();
    }
  }

  /** Moves the fill buffer's frames to the drain side. Lock held, drain empty. */
  private void swap() {
    beginAppend();
    try {
      ByteBuffer t = drain;
      drain = fill.flip();
      fill = t.clear();
      drainArray[0] = drain;
    } finally {
      endAppend();
    }
  }

  /** A frame larger than half the send buffer goes straight from the caller's buffer. */
  private void sendLarge(ByteBuffer message) throws IOException {
    writeAlone(message, null);
  }

  /**
   * Sends {@code message} with open descriptors: a HANDLES control frame and the message's frame
   * are written by themselves, after everything queued, with the descriptors attached to their
   * first byte (the kernel hands them to the read that gets that byte).
   *
   * <pre>
   *  +-----------+------------------+-----------------------------------------+
   *  | -2 (i32)  | count (i32)      | the message's frame, as above           |
   *  +-----------+------------------+-----------------------------------------+
   *  only to a peer whose hello set the handles flag; 1 &lt;= count &lt;= 253
   * </pre>
   */
  @Override
  public void send(ByteBuffer message, Handle... handles) throws IOException {
    if (handles.length == 0) {
      send(message);
      return;
    }
    if (!capabilities.has(Capability.PASSES_HANDLES) || !link.passesDescriptors() || delimited) {
      checkOpen();
      throw new TransportUnavailableException("cannot send handles on " + uri + ": "
          + (delimited ? "framing=" + framing + " carries none"
              : "its transport does not declare PASSES_HANDLES (fd: and unix: channels can pass open sockets)"));
    }
    if (!peerAcceptsHandles) {
      checkOpen();
      throw new IpcException("cannot send handles on " + uri + ": the peer's end cannot receive descriptors");
    }
    if (handles.length > MAX_HANDLES) {
      throw new IllegalArgumentException(handles.length + " handles in one message; at most " + MAX_HANDLES);
    }
    int len = message.remaining();
    if (len > sendLimit) {
      checkOpen();
      throw new MessageTooLargeException(uri, len, sendLimit);
    }
    FileDescriptor[] fds = new FileDescriptor[handles.length];
    for (int k = 0; k < fds.length; k++) {
      fds[k] = handles[k].descriptor();
      if (!fds[k].valid()) {
        throw new IllegalArgumentException("handle " + handles[k].description() + " is closed");
      }
    }
    writeAlone(message, fds);
  }

  /**
   * Writes one frame by itself, after every frame queued before it: a frame too large for the
   * send buffer, or one with descriptors (then preceded by its HANDLES frame).
   */
  private void writeAlone(ByteBuffer message, FileDescriptor[] fds) throws IOException {
    long deadline = System.nanoTime() + options.sendTimeout().toNanos();
    lock.lock();
    try {
      checkOpen();
      // earlier frames first: take the writer role and write what is queued
      while (writing || fill.position() > 0 || drain.hasRemaining()) {
        if (!writing) {
          writeQueued(deadline);
          checkOpen();
          continue;
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new SendTimeoutException("send of " + message.remaining() + " bytes on " + uri
              + " timed out waiting for earlier messages to be written: the peer is not reading");
        }
        writerDone.awaitNanos(left);
        checkOpen();
      }
      writing = true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ChannelClosedException("interrupted while sending on " + uri, e);
    } finally {
      lock.unlock();
    }
    IOException error = null;
    try {
      // staged through the (empty) direct drain buffer: a heap buffer handed to a socket is
      // copied whole on every partial write by some implementations (junixsocket: quadratic)
      ByteBuffer src = message.duplicate();
      drain.clear();
      if (fds != null) {
        drain.putInt(HANDLES).putInt(fds.length);
      }
      if (!delimited) {
        drain.putInt(src.remaining());
      }
      boolean descriptorsPending = fds != null;
      boolean delimiterPending = delimited;
      while (error == null) {
        int n = Math.min(drain.remaining(), src.remaining());
        drain.put(drain.position(), src, src.position(), n);
        drain.position(drain.position() + n);
        src.position(src.position() + n);
        if (delimiterPending && !src.hasRemaining() && drain.hasRemaining()) {
          drain.put(delimiter);
          delimiterPending = false;
        }
        drain.flip();
        drainArray[0] = drain;
        while (drain.hasRemaining()) {
          long left = deadline - System.nanoTime();
          if (left <= 0) {
            // half a frame is on the wire: the stream cannot be resynchronised, so it ends here
            error = new SendTimeoutException("send of " + message.remaining() + " bytes on " + uri
                + " timed out mid-frame after " + options.sendTimeout().toMillis()
                + " ms; the channel is closed because the rest of the frame could not be written");
            drain.position(drain.limit());
            break;
          }
          if (descriptorsPending) {
            int before = drain.position();
            link.writeWithDescriptors(drainArray, fds, left);
            descriptorsPending = drain.position() == before;
          } else {
            link.write(drainArray, left);
          }
        }
        if (!src.hasRemaining() && !delimiterPending) {
          break;
        }
        drain.clear();
      }
    } catch (IOException e) {
      error = e;
      drain.position(drain.limit());
    }
    lock.lock();
    try {
      if (error != null) {
        fail(error);
      }
      releaseWriter();
    } finally {
      lock.unlock();
    }
    if (error instanceof SendTimeoutException t) {
      throw t;
    }
    if (error != null) {
      checkOpen();
    }
  }

  /**
   * Writes what senders left behind. It lingers while a sender is still appending, since a busy
   * sender writes its own full batches; it writes at once when the sender falls quiet, so the
   * tail of a burst waits at most a few tens of microseconds.
   */
  private void flushLoop() {
    lock.lock();
    try {
      while (true) {
        while (!flusherStopping && (writing || (fill.position() == 0 && !drain.hasRemaining()))) {
          flusherParked = true;
          dataReady.awaitUninterruptibly();
          flusherParked = false;
        }
        if (flusherStopping || failure != null) {
          return;
        }
        if (!drain.hasRemaining() && !lingerWhileBusy()) {
          continue;
        }
        if (flusherStopping || failure != null) {
          return;
        }
        writing = true;
        if (!drain.hasRemaining()) {
          swap();
        }
        lock.unlock();
        IOException error = null;
        try {
          while (drain.hasRemaining() && !flusherStopping) {
            link.write(drainArray, TimeUnit.MILLISECONDS.toNanos(200));
          }
        } catch (IOException e) {
          error = e;
        } finally {
          lock.lock();
        }
        if (error != null) {
          fail(error);
        }
        releaseWriter();
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * Waits while the senders keep appending. Called with the lock held; it lets go of it while it
   * waits, and looks at the sender's progress without it, so a busy sender never contends with
   * the flusher for the lock. False if someone else took the batch meanwhile.
   */
  private boolean lingerWhileBusy() {
    long linger = LINGER_MIN_NANOS;
    long seen = (long) APPENDS.getOpaque(this);
    lock.unlock();
    try {
      while (true) {
        LockSupport.parkNanos(linger);
        long now = (long) APPENDS.getOpaque(this);
        if (now == seen || flusherStopping) {
          break;
        }
        seen = now;
        linger = Math.min(linger * 2, LINGER_MAX_NANOS);
      }
    } finally {
      lock.lock();
    }
    return !flusherStopping && !writing && fill.position() > 0;
  }

  /** Records a fatal write error. Lock held. */
  private void fail(IOException e) {
    if (failure == null) {
      failure = closed.get() ? new ChannelClosedException("channel " + uri + " is closed", e)
          : new ChannelClosedException("connection to " + uri + " lost while sending: " + e, e);
      unusable = true;
    }
    dataReady.signalAll();
    writerDone.signalAll();
  }

  private void checkOpen() throws IOException {
    if (closed.get()) {
      throw new ChannelClosedException("channel " + uri + " is closed");
    }
    IOException f = failure;
    if (f == null) {
      f = readFailure;
    }
    if (f != null) {
      throw f instanceof ProtocolException p ? new ChannelClosedException("channel " + uri
          + " was closed after a protocol error: " + p.getMessage(), p)
          : new ChannelClosedException(f.getMessage(), f);
    }
  }

  /** Writes everything sent so far from this thread, waiting up to the send timeout. */
  @Override
  public void flush() throws IOException {
    long deadline = System.nanoTime() + options.sendTimeout().toNanos();
    lock.lock();
    try {
      while (writing || fill.position() > 0 || drain.hasRemaining()) {
        checkOpen();
        if (!writing) {
          writeQueued(deadline);
          continue;
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new SendTimeoutException("flush on " + uri + " timed out after "
              + options.sendTimeout().toMillis() + " ms: the peer is not reading");
        }
        writerDone.awaitNanos(left);
      }
      checkOpen();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ChannelClosedException("interrupted while flushing " + uri, e);
    } finally {
      lock.unlock();
    }
  }

  // ---------------------------------------------------------------- receiving

  @Override
  public Duration receiveTimeout() {
    return options.receiveTimeout();
  }

  @Override
  public ByteBuffer receive(Duration timeout) throws IOException {
    ByteBuffer[] out = new ByteBuffer[1];
    poll(m -> {
      ByteBuffer copy = ByteBuffer.allocate(m.remaining());
      copy.put(m).flip();
      out[0] = copy;
    }, 1, timeout);
    return out[0];
  }

  @Override
  public int poll(MessageHandler handler, int limit, Duration timeout) throws IOException {
    long timeoutNanos = timeout.toNanos();
    long deadline = System.nanoTime() + timeoutNanos;
    readLock.lock();
    try {
      if (delimited) {
        return pollLines(handler, limit, deadline);
      }
      int handled = 0;
      while (handled < limit) {
        if (large != null) {
          if (!fillLarge(deadline, handled == 0)) {
            break;
          }
          ByteBuffer m = large.flip();
          large = null;
          if (rbuf.position() == rpos) {
            answered = true; // a volatile write only at the end of what arrived, not per message
          }
          deliverWithHandles(handler, m.asReadOnlyBuffer());
          handled++;
          continue;
        }
        if (pendingHandles == null) {
          int n = deliverWholeFrames(handler, limit - handled);
          if (n > 0) {
            handled += n;
            continue;
          }
        }
        int available = rbuf.position() - rpos;
        if (available >= HEADER && rbuf.getInt(rpos) == HANDLES) {
          if (available >= 2 * HEADER) {
            claimHandles(rbuf.getInt(rpos + HEADER));
            rpos += 2 * HEADER;
            continue;
          }
        } else if (available >= HEADER) {
          int len = rbuf.getInt(rpos);
          if (len < 0) {
            throw onControl(len);
          }
          if (len > receiveLimit) {
            throw protocolError("peer announced a frame of " + (len & 0xFFFF_FFFFL) + " bytes, above the limit of "
                + receiveLimit + " bytes (maxMessage)");
          }
          if (HEADER + len <= available) {
            view.clear();
            view.position(rpos + HEADER).limit(rpos + HEADER + len);
            rpos += HEADER + len;
            if (rbuf.position() == rpos) {
              answered = true; // a volatile write only at the end of what arrived, not per message
            }
            deliverWithHandles(handler, view);
            handled++;
            continue;
          }
          if (HEADER + len > rbuf.capacity()) {
            // the length was checked against maxMessage above, before this allocation
            large = ByteBuffer.allocate(len);
            rpos += HEADER;
            continue;
          }
        }
        // need more bytes: wait only if nothing was handed out yet
        if (!readMore(deadline, handled == 0)) {
          break;
        }
      }
      return handled;
    } finally {
      readLock.unlock();
    }
  }

  /**
   * The common case in a tight loop: hands out up to {@code max} whole message frames that are
   * already in the receive buffer, and stops at anything else (a partial or large frame, a control
   * frame, a bad length), which the caller's general path deals with. Read lock held, no
   * descriptors pending.
   */
  private int deliverWholeFrames(MessageHandler handler, int max) throws IOException {
    int n = 0;
    while (n < max) {
      int end = rbuf.position();
      int from = rpos + HEADER;
      if (from > end) {
        break;
      }
      int len = rbuf.getInt(rpos);
      if (len < 0 || len > receiveLimit || len > end - from) {
        break;
      }
      rpos = from + len;
      view.limit(rpos).position(from); // limit first: it may lie below the last message's position
      if (rpos == end) {
        answered = true; // a volatile write only at the end of what arrived, not per message
      }
      n++;
      handler.onMessage(view);
    }
    return n;
  }

  /** Takes the descriptors a HANDLES frame announced for the next message. Read lock held. */
  private void claimHandles(int count) throws IOException {
    if (!link.passesDescriptors() || count < 1 || count > MAX_HANDLES || pendingHandles != null) {
      throw protocolError("unexpected HANDLES frame (" + count + " descriptors"
          + (pendingHandles != null ? ", right after another one" : "") + ")");
    }
    for (FileDescriptor fd : link.takeReceivedDescriptors()) {
      arrived.add(fd);
    }
    if (arrived.size() < count) {
      throw protocolError("a HANDLES frame announced " + count + " descriptors but " + arrived.size()
          + " came with it");
    }
    List<FileDescriptor> hs = new ArrayList<>(count);
    for (int k = 0; k < count; k++) {
      hs.add(arrived.poll());
    }
    pendingHandles = hs;
  }

  /**
   * Hands a message out with the descriptors that came for it; those the handler did not claim
   * (through {@link #receiveWithHandles}) are closed. Read lock held.
   */
  private void deliverWithHandles(MessageHandler handler, ByteBuffer m) throws IOException {
    deliveringHandles = pendingHandles;
    pendingHandles = null;
    try {
      handler.onMessage(m);
    } finally {
      List<FileDescriptor> unclaimed = deliveringHandles;
      deliveringHandles = null;
      closeAll(unclaimed);
    }
  }

  private static void closeAll(Iterable<FileDescriptor> fds) {
    if (fds == null) {
      return;
    }
    for (FileDescriptor fd : fds) {
      if (fd.valid()) {
        try {
          new FileInputStream(fd).close();
        } catch (IOException ignored) {
          // already gone
        }
      }
    }
  }

  @Override
  public Delivery receiveWithHandles(Duration timeout) throws IOException {
    ByteBuffer[] out = new ByteBuffer[1];
    List<Handle> handles = new ArrayList<>();
    poll(m -> {
      ByteBuffer copy = ByteBuffer.allocate(m.remaining());
      copy.put(m).flip();
      out[0] = copy;
      List<FileDescriptor> fds = deliveringHandles;
      deliveringHandles = null;
      if (fds != null) {
        for (FileDescriptor fd : fds) {
          handles.add(Handle.of(fd, "descriptor received on " + uri));
        }
      }
    }, 1, timeout);
    return out[0] == null ? null : new Delivery(out[0], handles);
  }

  /** {@link #poll} for a delimited framing: messages are lines. Called with the read lock held. */
  private int pollLines(MessageHandler handler, int limit, long deadline) throws IOException {
    int handled = 0;
    while (handled < limit) {
      if (longLine != null) {
        int end = rbuf.position();
        int k = indexOfDelimiter(rpos, end);
        int take = (k < 0 ? end : k) - rpos;
        if (longLine.position() + (long) take > receiveLimit) {
          throw protocolError("peer sent a line of more than " + receiveLimit + " bytes (maxMessage) without "
              + "its end");
        }
        if (longLine.remaining() < take) {
          ByteBuffer bigger = ByteBuffer.allocate((int) Math.min(receiveLimit,
              Math.max((long) longLine.capacity() * 2, (long) longLine.position() + take)));
          longLine = bigger.put(longLine.flip());
        }
        longLine.put(longLine.position(), rbuf, rpos, take);
        longLine.position(longLine.position() + take);
        rpos += take;
        if (k >= 0) {
          rpos++; // the delimiter
          ByteBuffer m = longLine.flip();
          longLine = null;
          if (deliver(handler, m, 0, m.limit(), true)) {
            handled++;
          }
          continue;
        }
        if (!readMore(deadline, handled == 0)) {
          break;
        }
        continue;
      }
      int end = rbuf.position();
      int k = indexOfDelimiter(rpos, end);
      if (k >= 0) {
        if (k - rpos > receiveLimit) {
          throw protocolError("peer sent a line of " + (k - rpos) + " bytes, above the limit of " + receiveLimit
              + " bytes (maxMessage)");
        }
        int from = rpos;
        rpos = k + 1;
        if (deliver(handler, rbuf, from, k, false)) {
          handled++;
        }
        continue;
      }
      if (end - rpos > receiveLimit) {
        throw protocolError("peer sent a line of more than " + receiveLimit + " bytes (maxMessage) without its end");
      }
      if (rpos == 0 && end == rbuf.capacity()) {
        // a full buffer and no end in it: the line continues in a growing heap buffer (bounded by
        // maxMessage, checked as it grows)
        longLine = ByteBuffer.allocate((int) Math.min(receiveLimit, 2L * rbuf.capacity()));
        continue;
      }
      if (!readMore(deadline, handled == 0)) {
        break;
      }
    }
    return handled;
  }

  private int indexOfDelimiter(int from, int to) {
    for (int k = from; k < to; k++) {
      if (rbuf.get(k) == delimiter) {
        return k;
      }
    }
    return -1;
  }

  /** Checks one received line and hands it out unless it is internal; true if it was handed out. */
  private boolean deliver(MessageHandler handler, ByteBuffer b, int from, int to, boolean own) throws IOException {
    String bad = framing.malformed(b, from, to);
    if (bad != null) {
      throw protocolError("malformed " + framing + " line from the peer: " + bad);
    }
    if (framing.internal(b, from, to)) {
      return false;
    }
    if (own) {
      handler.onMessage(b.asReadOnlyBuffer());
    } else {
      view.clear();
      view.position(from).limit(to);
      handler.onMessage(view);
    }
    return true;
  }

  /** Reads into rbuf; false if nothing came (timeout, or not allowed to wait). */
  private boolean readMore(long deadline, boolean mayWait) throws IOException {
    checkReadable();
    compact();
    // Reads that would find nothing are skipped: just after a request went out its answer cannot
    // be here yet, and right after a read came up dry, or short (it emptied the stream), nothing
    // new is likely. A reader that may wait goes straight to the wait (which returns at once if
    // bytes did come); one that may not leaves them for its next poll. Only a wait that can last
    // skips the read, so a poll with timeout 0 that has handed nothing out always reads.
    int n;
    if (mayWait ? (justSent || dry) && deadline - System.nanoTime() > 0 : justSent || dry) {
      if (!mayWait) {
        return false;
      }
      n = 0;
    } else {
      n = readLink(rbuf, 0);
      dry = n == 0 || rbuf.hasRemaining();
    }
    justSent = false;
    while (n == 0 && mayWait) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      flushBeforeWaiting();
      // a selector may report readiness that a read then does not find: wait again
      if (awaitReadable(left)) {
        n = readLink(rbuf, 0);
        dry = n > 0 && rbuf.hasRemaining();
      }
    }
    if (n < 0) {
      throw onEof(rbuf.position() - rpos);
    }
    return n > 0;
  }

  /** Keeps the unparsed bytes, drops what was consumed. */
  private void compact() {
    if (rpos > 0) {
      int keep = rbuf.position() - rpos;
      if (keep > 0) {
        rbuf.put(0, rbuf, rpos, keep);
      }
      rbuf.position(keep);
      rpos = 0;
    }
  }

  /**
   * Fills the large frame from rbuf and then from the link, reading through the direct rbuf
   * (a heap buffer handed to a socket is copied whole on each read by some implementations).
   */
  private boolean fillLarge(long deadline, boolean mayWait) throws IOException {
    while (large.hasRemaining()) {
      int available = rbuf.position() - rpos;
      if (available > 0) {
        int take = Math.min(available, large.remaining());
        large.put(large.position(), rbuf, rpos, take);
        large.position(large.position() + take);
        rpos += take;
        continue;
      }
      rbuf.clear();
      rpos = 0;
      checkReadable();
      int n = readLink(rbuf, 0);
      if (n == 0) {
        long left = deadline - System.nanoTime();
        if (!mayWait || left <= 0) {
          return false;
        }
        flushBeforeWaiting();
        n = readLink(rbuf, left);
      }
      if (n < 0) {
        throw onEof(HEADER + large.position());
      }
      if (n == 0) {
        return false;
      }
    }
    return true;
  }

  private boolean awaitReadable(long timeoutNanos) throws IOException {
    try {
      return link.awaitReadable(timeoutNanos);
    } catch (IOException e) {
      checkReadable();
      throw readFailed(new ChannelClosedException("connection to " + uri + " lost: " + e.getMessage(), e));
    }
  }

  private int readLink(ByteBuffer dst, long timeoutNanos) throws IOException {
    try {
      return link.read(dst, timeoutNanos);
    } catch (ClosedChannelException e) {
      checkReadable();
      throw readFailed(new ChannelClosedException("channel " + uri + " is closed", e));
    } catch (IOException e) {
      checkReadable();
      throw readFailed(new ChannelClosedException("connection to " + uri + " lost: " + e.getMessage(), e));
    }
  }

  /** A request/response peer is waiting for what we queued: write it rather than wake the flusher. */
  private void flushBeforeWaiting() {
    boolean inline = false;
    lock.lock();
    try {
      if (!writing && (drain.hasRemaining() || fill.position() > 0)) {
        writing = true;
        inline = true;
      }
    } finally {
      lock.unlock();
    }
    if (inline) {
      try {
        writeInline();
      } catch (IOException e) {
        // recorded as the channel's failure; the reader reports it when it next looks
      }
    }
  }

  private void checkReadable() throws IOException {
    if (readFailure != null) {
      throw readFailure;
    }
    if (closed.get()) {
      throw new ChannelClosedException("channel " + uri + " is closed");
    }
  }

  private IOException onControl(int len) throws IOException {
    if (len == GOODBYE) {
      return readFailed(new ChannelClosedException("peer closed channel " + uri));
    }
    return protocolError("invalid frame length " + len + " (negative lengths other than -1 are not defined)");
  }

  private IOException onEof(int partial) {
    if (delimited) {
      int inLine = partial + (longLine != null ? longLine.position() : 0);
      if (inLine > 0) {
        return protocolError("truncated line: the peer closed the stream " + inLine + " bytes into a line");
      }
      // this framing has no goodbye: the end of the stream is how a peer closes
      return readFailed(new ChannelClosedException("peer closed channel " + uri + " (end of stream)"));
    }
    if (partial > 0) {
      return protocolError("truncated frame: the peer closed the stream " + partial
          + " bytes into a frame");
    }
    return readFailed(new ChannelClosedException("connection to " + uri
        + " lost: the peer closed the stream without saying goodbye (did it crash?)"));
  }

  private IOException protocolError(String what) {
    ProtocolException e = new ProtocolException(what + " on " + uri + "; the connection is closed");
    readFailed(e);
    closeLink();
    return e;
  }

  private IOException readFailed(IOException e) {
    if (readFailure == null) {
      readFailure = e;
      unusable = true;
    }
    return readFailure;
  }

  // ------------------------------------------------------------------ closing

  @Override
  public void close() throws IOException {
    if (closed.get()) {
      return;
    }
    boolean peerGone = readFailure != null;
    long deadline = System.nanoTime() + options.sendTimeout().toNanos();
    if (!peerGone && failure == null) {
      try {
        flush();
      } catch (IOException e) {
        // closing anyway; what could not be flushed is lost with the peer
      }
    }
    lock.lock();
    try {
      unusable = true; // first: a sender it turns away meets closed under the lock
      closed.set(true);
      flusherStopping = true;
      dataReady.signalAll();
      writerDone.signalAll();
      while (writing && deadline - System.nanoTime() > 0) {
        writerDone.awaitNanos(TimeUnit.MILLISECONDS.toNanos(10));
      }
      if (!writing && failure == null && !peerGone) {
        try {
          if (!delimited) {
            ByteBuffer bye = ByteBuffer.allocate(HEADER).putInt(0, GOODBYE);
            link.write(new ByteBuffer[] {bye}, Math.max(0, Math.min(deadline - System.nanoTime(),
                TimeUnit.SECONDS.toNanos(1))));
          }
          link.shutdownOutput();
        } catch (IOException ignored) {
          // the peer is gone; it will see end of stream instead of goodbye
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      lock.unlock();
    }
    closeLink();
    releaseDescriptors();
    try {
      flusher.join(TimeUnit.SECONDS.toMillis(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Closes descriptors that arrived but were never handed out. */
  private void releaseDescriptors() {
    try {
      if (readLock.tryLock(1, TimeUnit.SECONDS)) {
        try {
          closeAll(pendingHandles);
          pendingHandles = null;
          closeAll(java.util.Arrays.asList(link.takeReceivedDescriptors()));
          closeAll(arrived);
          arrived.clear();
        } finally {
          readLock.unlock();
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void closeLink() {
    try {
      link.close();
    } catch (IOException ignored) {
      // nothing more to release
    }
    lock.lock();
    try {
      flusherStopping = true;
      dataReady.signalAll();
      writerDone.signalAll();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public String toString() {
    return "FramedChannel[" + uri + "]";
  }
}
