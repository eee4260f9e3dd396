package dev.ipckit.shm;

import dev.ipckit.Capabilities;
import dev.ipckit.Channel;
import dev.ipckit.ChannelClosedException;
import dev.ipckit.ChannelOptions;
import dev.ipckit.MessageTooLargeException;
import dev.ipckit.ProtocolException;
import dev.ipckit.SendTimeoutException;
import dev.ipckit.shm.internal.ControlBlock;
import dev.ipckit.shm.internal.Heartbeats;
import dev.ipckit.shm.internal.Layout;
import dev.ipckit.shm.internal.QueueChannel;
import dev.ipckit.shm.internal.Queues;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;

/**
 * One end of a shm: connection: two Chronicle queues (one per direction) in the connection's
 * directory, and two {@link ControlBlock control blocks} that carry what a queue cannot: this side
 * is alive (heartbeat), has closed, and how far it has read (so the writer can bound what is unread
 * by {@code sendBuffer}).
 *
 * <p>Each message is one Chronicle document ({@link QueueChannel} draws it). A writer killed in the
 * middle of a document leaves it incomplete, and Chronicle never hands an incomplete document to a
 * reader: the reader gets every complete message and then ChannelClosedException.
 *
 * <p>Thread-safe as the {@link Channel} contract says: sends are serialised by one lock, receives
 * by another; close waits for a send or receive in progress (they notice the close at once).
 */
public final class ShmChannel extends QueueChannel {
  private final ShmOptions shm;
  private final Path connection;
  private final ControlBlock own;
  private final Heartbeats.Watch watch;
  private final String peerName;
  private final SingleChronicleQueue outQueue;
  private final SingleChronicleQueue inQueue;
  private final Runnable onClose;
  /** Payload bytes sent; guarded by sendLock. */
  private long sent;
  /** Payload bytes the peer had read at the last look at its block; guarded by sendLock. */
  private long peerConsumed;
  /** Payload bytes received; guarded by receiveLock. */
  private long consumed;
  /** When a waiting loop may next look for the peer's block; racy on purpose (a hint). */
  private long nextPeerRefresh;
  /** The cycle of the incoming queue being read; guarded by receiveLock. */
  private int readCycle = Integer.MIN_VALUE;

  private ShmChannel(String uri, ChannelOptions options, ShmOptions shm, Path connection, ControlBlock own,
      Heartbeats.Watch watch, String peerName, SingleChronicleQueue outQueue, SingleChronicleQueue inQueue,
      Runnable onClose) {
    super(uri, options, shm.idler(), outQueue.createAppender(), inQueue.createTailer());
    this.shm = shm;
    this.connection = connection;
    this.own = own;
    this.watch = watch;
    this.peerName = peerName;
    this.outQueue = outQueue;
    this.inQueue = inQueue;
    this.onClose = onClose;
  }

  /**
   * Opens one side of the connection in {@code connection}: both queues, this side's control
   * block (created last, which is what makes a client's connection visible to the server), and the
   * heartbeat that watches the peer {@code peerSource} finds.
   */
  static ShmChannel open(String uri, ChannelOptions options, ShmOptions shm, RollCycle rollCycle, Path connection,
      Layout.Side side, Heartbeats.PeerSource peerSource, String peerName, Runnable onClose) throws IOException {
    SingleChronicleQueue out = null;
    SingleChronicleQueue in = null;
    ControlBlock own = null;
    Heartbeats.Watch watch = null;
    try {
      out = Queues.open(connection.resolve(side.outQueue), uri, options.maxMessage(), rollCycle);
      in = Queues.open(connection.resolve(side.inQueue), uri, options.maxMessage(), rollCycle);
      own = ControlBlock.create(connection.resolve(side.ownBlock), shm.heartbeat().toMillis(),
          options.maxMessage());
      watch = Heartbeats.start(own, peerSource, shm.heartbeat().toNanos(), shm.peerTimeout().toNanos(), peerName);
      return new ShmChannel(uri, options, shm, connection, own, watch, peerName, out, in, onClose);
    } catch (IOException | RuntimeException | Error e) {
      if (own != null) {
        own.state(ControlBlock.CLOSED); // the peer must not wait for a side that never came up
      }
      if (watch != null) {
        Heartbeats.stop(watch);
      }
      closeQuietly(out);
      closeQuietly(in);
      throw e;
    }
  }

  @Override
  public Capabilities capabilities() {
    return ShmTransport.CAPABILITIES;
  }

  /** The directory holding this connection's queues and control blocks. */
  public Path directory() {
    return connection;
  }

  @Override
  public void send(ByteBuffer message) throws IOException {
    int size = checkSendable(message);
    ControlBlock peer = watch.peer();
    if (peer != null && size > peer.maxMessage()) {
      // the peer reads with blocks sized for its own limit: say so before writing anything
      throw new MessageTooLargeException(uri, size, peer.maxMessage());
    }
    sendLock.lock();
    try {
      awaitRoom(size);
      append(message);
      sent += size;
    } catch (IOException e) {
      throw e;
    } catch (RuntimeException e) {
      throw failure("send", e);
    } finally {
      sendLock.unlock();
    }
  }

  /** Waits until the peer has read enough that {@code size} more bytes fit in {@code sendBuffer}. */
  private void awaitRoom(int size) throws IOException {
    String ended = ended();
    if (ended != null) {
      throw new ChannelClosedException(ended);
    }
    long unread = sent - peerConsumed;
    if (unread <= 0 || unread + size <= options.sendBuffer()) {
      return; // room by what the peer had read at the last look: no look at its cache line
    }
    long deadline = System.nanoTime() + options.sendTimeout().toNanos();
    int round = 0;
    while (true) {
      checkNotClosed();
      ended = ended();
      if (ended != null) {
        throw new ChannelClosedException(ended);
      }
      ControlBlock peer = watch.peer();
      peerConsumed = peer == null ? 0 : Math.max(peerConsumed, peer.consumed());
      unread = sent - peerConsumed;
      // a message larger than the whole buffer still goes once everything before it was read
      if (unread <= 0 || unread + size <= options.sendBuffer()) {
        return;
      }
      if (System.nanoTime() - deadline >= 0) {
        throw new SendTimeoutException("send on " + uri + " timed out after " + options.sendTimeout().toMillis()
            + " ms: " + unread + " bytes unread by " + peerName + " (sendBuffer " + options.sendBuffer() + ")");
      }
      if ((round & 63) == 63) {
        maybeRefreshPeer(); // a client learns at once that the server accepted and reads
      }
      // as a receive waits: a parked sender's wake-up waits for a core a busy-spinning reader
      // holds (a time slice, milliseconds), where a spinning one that yields now and then sees
      // room at once and still lets a reader sharing its core run
      shm.idler().idle(round++);
    }
  }

  /** Looks for the peer's block at most once a millisecond (a file lookup until a server accepts). */
  private void maybeRefreshPeer() {
    long now = System.nanoTime();
    if (now - nextPeerRefresh >= 0) {
      nextPeerRefresh = now + 1_000_000;
      watch.refreshPeer();
    }
  }

  @Override
  protected void idle(int round) {
    if ((round & 255) == 255) {
      maybeRefreshPeer(); // a client sees its accepted connection's close without waiting for a beat
    }
    super.idle(round);
  }

  @Override
  protected void afterRead(long index, int size) {
    consumed += size;
    own.consumed(consumed);
    int cycle = tailer().cycle();
    if (cycle != readCycle) {
      if (readCycle != Integer.MIN_VALUE) {
        dropReadFiles();
      }
      readCycle = cycle;
    }
  }

  @Override
  protected String queueName() {
    return inQueue.fileAbsolutePath();
  }

  /**
   * The incoming queue rolled to a new file: the files before it are read and nobody reads them
   * again (a connection's queue has one reader), so they go at once and a long-lived connection
   * holds at most about two files per direction.
   */
  private void dropReadFiles() {
    java.io.File current = tailer().currentFile();
    if (current == null) {
      return;
    }
    String name = current.getName();
    boolean removed = false;
    try (var files = java.nio.file.Files.newDirectoryStream(current.toPath().getParent(), "*.cq4")) {
      for (Path p : files) {
        if (p.getFileName().toString().compareTo(name) < 0) {
          removed |= java.nio.file.Files.deleteIfExists(p);
        }
      }
    } catch (IOException e) {
      // the next roll tries again
    }
    if (removed) {
      inQueue.refreshDirectoryListing();
    }
  }

  @Override
  protected ProtocolException protocolError(String what) {
    ProtocolException e = super.protocolError(what);
    closeQuietly(this); // the peer does not speak ipckit: the connection is over
    return e;
  }

  @Override
  public boolean isOpen() {
    return !isClosed() && ended() == null;
  }

  /** Why the peer's side is over (closed, or lost), or null while it is not. */
  @Override
  protected String ended() {
    String lost = watch.lost();
    if (lost != null) {
      return "lost the peer of " + uri + ": " + lost;
    }
    ControlBlock p = watch.peer();
    if (p != null && p.state() == ControlBlock.CLOSED) {
      return peerName + " closed channel " + uri;
    }
    return null;
  }

  /**
   * Tells the peer (its next look at this side's block sees CLOSED), stops the heartbeat, releases
   * the queues, and removes the connection's files when the peer is done with them too (and
   * {@code deleteOnClose} is on).
   */
  @Override
  public void close() {
    if (!markClosed()) {
      return;
    }
    own.state(ControlBlock.CLOSED);
    Heartbeats.stop(watch);
    closeQueue(outQueue, inQueue);
    if (shm.deleteOnClose(false) && peerIsDone()) {
      try {
        Queues.deleteTree(connection);
      } catch (IOException e) {
        // the peer or the server removes it
      }
    }
    onClose.run();
  }

  /** Whether the peer will not use the connection's files again: closed, lost, or gone. */
  private boolean peerIsDone() {
    ControlBlock p = watch.refreshPeer();
    return p == null || watch.lost() != null || p.state() == ControlBlock.CLOSED || p.ownerGone().orElse(false);
  }

  @Override
  public String toString() {
    return "ShmChannel[" + uri + ", " + connection.getFileName() + "]";
  }
}
