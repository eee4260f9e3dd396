package dev.ipckit.shm;

import dev.ipckit.Capabilities;
import dev.ipckit.ChannelOptions;
import dev.ipckit.IpcException;
import dev.ipckit.shm.internal.QueueChannel;
import dev.ipckit.shm.internal.Queues;
import dev.ipckit.shm.internal.Retention;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;

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
public final class ShmLogChannel extends QueueChannel {
  private final ShmOptions shm;
  private final Path dir;
  private final SingleChronicleQueue queue;
  private final Retention retention;
  private int appendCycle = Integer.MIN_VALUE;
  private volatile long lastReadIndex = -1;

  private ShmLogChannel(String uri, ChannelOptions options, ShmOptions shm, Path dir, SingleChronicleQueue queue) {
    super(uri, options, shm.idler(), queue.createAppender(),
        shm.reader() == null ? queue.createTailer() : queue.createTailer(shm.reader()));
    this.shm = shm;
    this.dir = dir;
    this.queue = queue;
    this.retention = new Retention(dir, shm.retain());
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
      tailer().toEnd();
    } else if (start.equals("beginning")) {
      tailer().toStart();
    } else {
      long index = ShmOptions.parseIndex(start);
      if (!tailer().moveToIndex(index)) {
        throw new IpcException("cannot start reading " + uri + " at index 0x" + Long.toHexString(index)
            + ": the log has no such index (first 0x" + Long.toHexString(queue.firstIndex()) + ", last 0x"
            + Long.toHexString(queue.lastIndex()) + ")");
      }
    }
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
      return appendCycle == Integer.MIN_VALUE ? -1 : appender().lastIndexAppended();
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
    int size = checkSendable(message);
    sendLock.lock();
    try {
      checkNotClosed();
      append(message);
      int cycle = appender().cycle();
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
  protected void afterRead(long index, int size) {
    lastReadIndex = index;
  }

  @Override
  protected String queueName() {
    return "the log " + dir;
  }

  @Override
  public boolean isOpen() {
    return !isClosed();
  }

  /** Releases the log (and removes it with {@code deleteOnClose=true}); a named reader's position stays. */
  @Override
  public void close() {
    if (!markClosed()) {
      return;
    }
    closeQueue(queue);
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
