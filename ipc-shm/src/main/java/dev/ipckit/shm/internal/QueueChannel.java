package dev.ipckit.shm.internal;

import dev.ipckit.Channel;
import dev.ipckit.ChannelClosedException;
import dev.ipckit.ChannelOptions;
import dev.ipckit.IpcException;
import dev.ipckit.MessageHandler;
import dev.ipckit.MessageTooLargeException;
import dev.ipckit.ProtocolException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.wire.DocumentContext;

/**
 * What both shm: channels do with Chronicle: append each message as one document, read documents
 * back, and wait for them with an {@link Idler}. The connection channel adds a peer (heartbeat,
 * close, room in {@code sendBuffer}); the log channel adds named readers and retention. Not API.
 *
 * <pre>
 *  one document per message:  +-----+---------------------+
 *                             | 'M' | payload (0..N bytes) |
 *                             +-----+---------------------+
 * </pre>
 *
 * The tag makes the empty message a non-empty document and tells a foreign document from an
 * ipckit message. A writer killed in the middle of a document leaves it incomplete, and Chronicle
 * never hands an incomplete document to a reader.
 *
 * <p>The hot paths do no allocation beyond the buffer {@link #receive} must return: a send writes
 * the caller's bytes straight into the mapped queue, and {@link #poll} copies each document into
 * one reused buffer and hands out one reused read-only view of it.
 *
 * <p>Thread-safe as the {@link Channel} contract says: sends are serialised by {@link #sendLock},
 * receives by {@link #receiveLock}; {@link #closeQueue} waits for a send or receive in progress.
 */
public abstract class QueueChannel implements Channel {
  /** Every shm: message starts with this byte. */
  static final byte DATA = 'M';

  protected final String uri;
  protected final ChannelOptions options;
  protected final HoldLock sendLock = new HoldLock();
  protected final HoldLock receiveLock = new HoldLock();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Idler idler;
  private final ExcerptAppender appender;
  private final ExcerptTailer tailer;
  /** For messages in read-only heap buffers; guarded by sendLock. */
  private final byte[] sendScratch = new byte[8192];
  /**
   * What poll copies each document into, and the read-only view it hands out; written under
   * receiveLock. A send of that view (from the handler, under both locks) reads pollBuffer.
   */
  private ByteBuffer pollBuffer = ByteBuffer.allocate(4096);
  private volatile ByteBuffer pollView = pollBuffer.asReadOnlyBuffer();

  /** Takes over {@code appender} and {@code tailer}: this class serialises each with its own lock. */
  protected QueueChannel(String uri, ChannelOptions options, Idler idler, ExcerptAppender appender,
      ExcerptTailer tailer) {
    this.uri = uri;
    this.options = options;
    this.idler = idler;
    this.appender = appender;
    this.tailer = tailer;
    // they move between the threads that take the locks
    appender.singleThreadedCheckDisabled(true);
    tailer.singleThreadedCheckDisabled(true);
  }

  @Override
  public final String uri() {
    return uri;
  }

  protected final ExcerptAppender appender() {
    return appender;
  }

  protected final ExcerptTailer tailer() {
    return tailer;
  }

  /** The size of {@code message}, once it is known that this channel is open and its limit allows it. */
  protected final int checkSendable(ByteBuffer message) throws IOException {
    int size = message.remaining();
    checkNotClosed();
    if (size > options.maxMessage()) {
      throw new MessageTooLargeException(uri, size, options.maxMessage());
    }
    return size;
  }

  /** Appends {@code message} (its remaining bytes; its position does not move) as one document. */
  protected final void append(ByteBuffer message) {
    try (DocumentContext dc = appender.writingDocument()) {
      Bytes<?> b = dc.wire().bytes();
      b.writeByte(DATA);
      if (message.hasArray()) {
        b.write(message.array(), message.arrayOffset() + message.position(), message.remaining());
      } else if (message == pollView) {
        // a handler sending on the message it was handed (an echo): its bytes are in pollBuffer
        b.write(pollBuffer.array(), message.position(), message.remaining());
      } else if (message.isDirect()) {
        ByteBuffer m = message.duplicate();
        while (m.hasRemaining()) {
          b.writeSome(m);
        }
      } else {
        ByteBuffer m = message.duplicate(); // a read-only heap buffer hides its array
        while (m.hasRemaining()) {
          int n = Math.min(sendScratch.length, m.remaining());
          m.get(sendScratch, 0, n);
          b.write(sendScratch, 0, n);
        }
      }
    }
  }

  /** Why no more messages will come (the peer closed or is lost), or null while they may. */
  protected String ended() {
    return null;
  }

  /** One empty look at the queue while waiting; {@code round} counts them since the last message. */
  protected void idle(int round) {
    idler.idle(round);
  }

  /** Called under {@link #receiveLock} for each message read, before it is handed out. */
  protected abstract void afterRead(long index, int size);

  /** Names the queue a foreign document was found in, for the error. */
  protected abstract String queueName();

  /** A foreign document was read: the default says so; a subclass may also close. */
  protected ProtocolException protocolError(String what) {
    return new ProtocolException(what + " (channel " + uri + ")");
  }

  @Override
  public final ByteBuffer receive(Duration timeout) throws IOException {
    receiveLock.lock();
    try {
      long deadline = 0;
      for (int round = 0; ; round++) {
        checkNotClosed();
        ByteBuffer m = readOne(null);
        if (m != null) {
          return m;
        }
        String ended = ended();
        if (ended != null) {
          // everything the peer wrote before it closed is visible now: take it first
          m = readOne(null);
          if (m != null) {
            return m;
          }
          throw new ChannelClosedException(ended);
        }
        long now = System.nanoTime();
        if (round == 0) {
          deadline = now + timeout.toNanos(); // no clock read while messages are there at once
        }
        if (now - deadline >= 0) {
          return null;
        }
        idle(round);
      }
    } catch (RuntimeException e) {
      throw failure("receive", e);
    } finally {
      receiveLock.unlock();
    }
  }

  @Override
  public final Duration receiveTimeout() {
    return options.receiveTimeout();
  }

  @Override
  public final int poll(MessageHandler handler, int limit, Duration timeout) throws IOException {
    receiveLock.lock();
    try {
      long deadline = 0;
      int n = 0;
      for (int round = 0; ; round++) {
        checkNotClosed();
        while (n < limit && readOne(handler) != null) {
          n++;
        }
        if (n > 0) {
          return n;
        }
        String ended = ended();
        if (ended != null) {
          while (n < limit && readOne(handler) != null) {
            n++;
          }
          if (n > 0) {
            return n;
          }
          throw new ChannelClosedException(ended);
        }
        long now = System.nanoTime();
        if (round == 0) {
          deadline = now + timeout.toNanos(); // no clock read while messages are there at once
        }
        if (now - deadline >= 0) {
          return 0;
        }
        idle(round);
      }
    } catch (RuntimeException e) {
      throw failure("poll", e);
    } finally {
      receiveLock.unlock();
    }
  }

  /**
   * Reads the next document, or returns null if there is none yet. Without a handler, returns it
   * in a new buffer; with one, hands it the reused read-only view of a copy (so a handler that
   * keeps it past the call sees later bytes, never unmapped memory) and returns that view.
   */
  private ByteBuffer readOne(MessageHandler handler) throws IOException {
    ByteBuffer m;
    long index;
    try (DocumentContext dc = tailer.readingDocument()) {
      if (!dc.isPresent()) {
        return null;
      }
      index = dc.index();
      Bytes<?> b = dc.wire().bytes();
      long length = b.readRemaining() - 1;
      byte tag = length < 0 ? 0 : b.readByte();
      if (tag != DATA) {
        throw protocolError("a document in " + queueName() + " at index 0x" + Long.toHexString(index)
            + " is not an ipckit message (tag " + tag + ", " + (length + 1)
            + " bytes); is another program writing to this queue?");
      }
      int size = (int) length;
      if (handler == null) {
        m = ByteBuffer.allocate(size);
        b.read(m.array(), 0, size);
      } else {
        if (pollBuffer.capacity() < size) {
          pollBuffer = ByteBuffer.allocate(Math.max(size, pollBuffer.capacity() * 2));
          pollView = pollBuffer.asReadOnlyBuffer();
        }
        b.read(pollBuffer.array(), 0, size);
        m = pollView.clear().limit(size);
      }
    } // closing the document moves the tailer (and a named reader's saved position) past it
    afterRead(index, m.remaining());
    if (handler != null) {
      handler.onMessage(m);
    }
    return m;
  }

  @Override
  public void flush() throws IOException {
    // a send writes to the shared mapping itself: nothing waits in this process
    checkNotClosed();
  }

  protected final boolean isClosed() {
    return closed.get();
  }

  protected final void checkNotClosed() throws ChannelClosedException {
    if (closed.get()) {
      throw new ChannelClosedException("channel " + uri + " is closed");
    }
  }

  /** What a RuntimeException from inside Chronicle during {@code op} means to the caller. */
  protected final IOException failure(String op, RuntimeException e) {
    if (closed.get()) {
      return new ChannelClosedException("channel " + uri + " was closed during " + op, e);
    }
    return new IpcException(op + " on " + uri + " failed in Chronicle Queue: " + e, e);
  }

  /** Marks this channel closed; true for the one call that did. */
  protected final boolean markClosed() {
    return closed.compareAndSet(false, true);
  }

  /**
   * Waits for a send and a receive in progress (they see the close at once), then releases the
   * appender, the tailer and {@code queues}.
   */
  protected final void closeQueue(AutoCloseable... queues) {
    // receive before send, the order a poll whose handler sends takes them in
    receiveLock.lock();
    sendLock.lock();
    try {
      closeQuietly(appender);
      closeQuietly(tailer);
      for (AutoCloseable q : queues) {
        closeQuietly(q);
      }
    } finally {
      sendLock.unlock();
      receiveLock.unlock();
    }
  }

  /** Closes {@code c} if there is one, and ignores how that fails: closing the rest matters more. */
  public static void closeQuietly(AutoCloseable c) {
    if (c == null) {
      return;
    }
    try {
      c.close();
    } catch (Exception | Error e) {
      // closing the rest matters more
    }
  }
}
