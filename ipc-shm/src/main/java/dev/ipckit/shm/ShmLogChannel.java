package dev.ipckit.shm;

import dev.ipckit.Capabilities;
import dev.ipckit.Channel;
import dev.ipckit.ChannelClosedException;
import dev.ipckit.ChannelOptions;
import dev.ipckit.IpcException;
import dev.ipckit.MessageHandler;
import dev.ipckit.MessageTooLargeException;
import dev.ipckit.ProtocolException;
import dev.ipckit.shm.internal.Idler;
import dev.ipckit.shm.internal.Queues;
import dev.ipckit.shm.internal.Retention;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.wire.DocumentContext;

/**
 * A channel on a shared, durable log: {@code shm:/var/app/events?reader=billing}. Every channel on
 * the log appends to it with {@link #send}, and each reads the whole log, its own messages included,
 * with {@link #receive}: one-to-many, every reader sees every message, in the one order of the log.
 *
 * <p><b>Named readers.</b> With {@code ?reader=NAME} the position is kept in the log itself after
 * every message read: a reader that closes, restarts, or whose process was SIGKILLed resumes at the
 * first message it had not received; nothing is lost and nothing is handed to the same name twice.
 * A reader with no saved position starts where {@code ?start=} says: {@code beginning} (the default),
 * {@code end} (only what is appended from now on), or an index ({@link #lastWrittenIndex()},
 * {@link #lastReadIndex()}). Without a name ({@code ?log}) the reader starts there every time. One
 * open channel per reader name at a time.
 *
 * <p>A log has no peer: it is open until closed, and the disk, not a reader, bounds it: with
 * {@code ?retain=1h}, files of cycles older than that are removed as the log rolls
 * ({@code ?rollCycle=}); {@code ?deleteOnClose=true} removes the whole log when this channel closes.
 */
public final class ShmLogChannel implements Channel {
  private final String uri;
  private final ChannelOptions options;
  private final ShmOptions shm;
  private final Path dir;
  private final SingleChronicleQueue queue;
  private final ExcerptAppender appender;
  private final ExcerptTailer tailer;
  private final Retention retention;
  private final Idler idler;
  private final ReentrantLock sendLock = new ReentrantLock();
  /** For messages in read-only heap buffers; guarded by sendLock. */
  private final byte[] sendScratch = new byte[8192];
  private final ReentrantLock receiveLock = new ReentrantLock();
  private final AtomicBoolean closed = new AtomicBoolean();
  private ByteBuffer pollBuffer = ByteBuffer.allocate(4096);
  private int appendCycle = Integer.MIN_VALUE;
  private volatile long lastReadIndex = -1;

  private ShmLogChannel(String uri, ChannelOptions options, ShmOptions shm, Path dir, SingleChronicleQueue queue) {
    this.uri = uri;
    this.options = options;
    this.shm = shm;
    this.dir = dir;
    this.queue = queue;
    this.appender = queue.createAppender();
    this.tailer = shm.reader() == null ? queue.createTailer() : queue.createTailer(shm.reader());
    this.appender.singleThreadedCheckDisabled(true);
    this.tailer.singleThreadedCheckDisabled(true);
    this.retention = new Retention(dir, shm.retain());
    this.idler = shm.waitStrategy() == ShmOptions.Wait.BUSY ? Idler.BUSY : Idler.BACKOFF;
  }

  static ShmLogChannel open(String uri, ChannelOptions options, ShmOptions shm, RollCycle rollCycle, Path dir)
      throws IOException {
    if (java.nio.file.Files.exists(dir.resolve("server.ctl"))) {
      throw new IpcException("cannot open " + uri + " as a log: " + dir
          + " is a shm: server's directory (open it without reader= or log to connect to the server)");
    }
    Queues.createPrivateDirectories(dir);
    Queues.checkPrivate(dir, uri);
    SingleChronicleQueue queue = Queues.open(dir, uri, options.maxMessage(), rollCycle);
    try {
      boolean saved = shm.reader() != null && queue.indexForId(shm.reader()).getVolatileValue() != 0;
      ShmLogChannel c = new ShmLogChannel(uri, options, shm, dir, queue);
      if (!saved) {
        c.moveToStart();
      }
      c.retention.apply(queue);
      return c;
    } catch (IOException | RuntimeException | Error e) {
      queue.close();
      throw e;
    }
  }

  private void moveToStart() throws IOException {
    String start = shm.start();
    if (start.equals("end")) {
      tailer.toEnd();
    } else if (start.equals("beginning")) {
      tailer.toStart();
    } else {
      long index = ShmOptions.parseIndex(start);
      if (!tailer.moveToIndex(index)) {
        throw new IpcException("cannot start reading " + uri + " at index 0x" + Long.toHexString(index)
            + ": the log has no such index (first 0x" + Long.toHexString(queue.firstIndex()) + ", last 0x"
            + Long.toHexString(queue.lastIndex()) + ")");
      }
    }
  }

  @Override
  public String uri() {
    return uri;
  }

  @Override
  public Capabilities capabilities() {
    return ShmTransport.CAPABILITIES;
  }

  /** The log's directory (a Chronicle queue). */
  public Path directory() {
    return dir;
  }

  /** The index of the last message this channel appended, or -1 if none yet. */
  public long lastWrittenIndex() {
    sendLock.lock();
    try {
      return appendCycle == Integer.MIN_VALUE ? -1 : appender.lastIndexAppended();
    } finally {
      sendLock.unlock();
    }
  }

  /** The index of the last message this channel received, or -1 if none yet. */
  public long lastReadIndex() {
    return lastReadIndex;
  }

  /** Appends one message to the log. Never blocks for readers: the disk, not a reader, bounds a log. */
  @Override
  public void send(ByteBuffer message) throws IOException {
    int size = message.remaining();
    checkNotClosed();
    if (size > options.maxMessage()) {
      throw new MessageTooLargeException(uri, size, options.maxMessage());
    }
    sendLock.lock();
    try {
      checkNotClosed();
      try (DocumentContext dc = appender.writingDocument()) {
        Bytes<?> b = dc.wire().bytes();
        b.writeByte(Queues.DATA);
        Queues.write(b, message, sendScratch);
      }
      int cycle = appender.cycle();
      if (cycle != appendCycle) {
        if (appendCycle != Integer.MIN_VALUE) {
          retention.apply(queue); // the log rolled: drop what is older than retain
        }
        appendCycle = cycle;
      }
    } catch (RuntimeException e) {
      throw failure("send", e);
    } finally {
      sendLock.unlock();
    }
  }

  @Override
  public void flush() throws IOException {
    checkNotClosed();
  }

  @Override
  public ByteBuffer receive(Duration timeout) throws IOException {
    receiveLock.lock();
    try {
      long deadline = System.nanoTime() + timeout.toNanos();
      int round = 0;
      while (true) {
        checkNotClosed();
        ByteBuffer m = readOne(null);
        if (m != null) {
          return m;
        }
        if (System.nanoTime() - deadline >= 0) {
          return null;
        }
        idler.idle(round++);
      }
    } catch (RuntimeException e) {
      throw failure("receive", e);
    } finally {
      receiveLock.unlock();
    }
  }

  @Override
  public ByteBuffer receive() throws IOException {
    Duration t = options.receiveTimeout();
    ByteBuffer m;
    do {
      m = receive(t.isZero() ? Duration.ofDays(1) : t);
    } while (m == null && t.isZero());
    return m;
  }

  @Override
  public int poll(MessageHandler handler, int limit, Duration timeout) throws IOException {
    receiveLock.lock();
    try {
      long deadline = System.nanoTime() + timeout.toNanos();
      int round = 0;
      int n = 0;
      while (true) {
        checkNotClosed();
        while (n < limit && readOne(handler) != null) {
          n++;
        }
        if (n > 0 || System.nanoTime() - deadline >= 0) {
          return n;
        }
        idler.idle(round++);
      }
    } catch (RuntimeException e) {
      throw failure("poll", e);
    } finally {
      receiveLock.unlock();
    }
  }

  /** Like {@link ShmChannel}'s: a new buffer, or a read-only copy in a reused one for a handler. */
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
      if (tag != Queues.DATA) {
        throw new ProtocolException("a document in the log " + dir + " at index 0x" + Long.toHexString(index)
            + " is not an ipckit message (tag " + tag + "); is another program writing to it? (" + uri + ")");
      }
      int size = (int) length;
      if (handler == null) {
        m = ByteBuffer.allocate(size);
      } else {
        if (pollBuffer.capacity() < size) {
          pollBuffer = ByteBuffer.allocate(Math.max(size, pollBuffer.capacity() * 2));
        }
        m = pollBuffer.clear().limit(size);
      }
      b.read(m.array(), m.arrayOffset(), size);
    } // closing the document moves a named reader's saved position past it
    lastReadIndex = index;
    if (handler != null) {
      handler.onMessage(m.asReadOnlyBuffer());
    }
    return m;
  }

  @Override
  public boolean isOpen() {
    return !closed.get();
  }

  private void checkNotClosed() throws ChannelClosedException {
    if (closed.get()) {
      throw new ChannelClosedException("channel " + uri + " is closed");
    }
  }

  private IOException failure(String op, RuntimeException e) {
    if (closed.get()) {
      return new ChannelClosedException("channel " + uri + " was closed during " + op, e);
    }
    return new IpcException(op + " on " + uri + " failed in Chronicle Queue: " + e, e);
  }

  /** Releases the log (and removes it with {@code deleteOnClose=true}); a named reader's position stays. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    sendLock.lock();
    receiveLock.lock();
    try {
      for (AutoCloseable c : new AutoCloseable[] {appender, tailer, queue}) {
        try {
          c.close();
        } catch (Exception | Error e) {
          // closing the rest matters more
        }
      }
    } finally {
      receiveLock.unlock();
      sendLock.unlock();
    }
    if (shm.deleteOnClose(true)) {
      try {
        Queues.deleteTree(dir);
      } catch (IOException e) {
        // another process is still adding to it
      }
    }
  }

  @Override
  public String toString() {
    return "ShmLogChannel[" + uri + "]";
  }
}
