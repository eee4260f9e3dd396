package dev.ipckit.shm;

import dev.ipckit.Channel;
import dev.ipckit.ChannelClosedException;
import dev.ipckit.ChannelOptions;
import dev.ipckit.ChannelServer;
import dev.ipckit.IpcException;
import dev.ipckit.shm.internal.ControlBlock;
import dev.ipckit.shm.internal.Heartbeats;
import dev.ipckit.shm.internal.Layout;
import dev.ipckit.shm.internal.Queues;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import net.openhft.chronicle.queue.RollCycle;

/**
 * A listening shm: server: its directory holds {@code server.ctl} (the server's heartbeat) and one
 * sub-directory per client under {@code connections/} (see {@link Layout}). {@link #accept} finds
 * connections clients have completed, in the order it sees them, each once.
 *
 * <p>Closing the server closes every accepted channel, tells clients it has not accepted yet, and
 * removes everything it and its clients created in the directory (and the directory itself, if the
 * server created it), unless {@code deleteOnClose=false}.
 */
public final class ShmServer implements ChannelServer {
  private static final long SCAN_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

  private final String uri;
  private final ChannelOptions options;
  private final ShmOptions shm;
  private final RollCycle rollCycle;
  private final Layout layout;
  private final boolean createdDir;
  private final ControlBlock block;
  private final Heartbeats.Watch watch;
  private final Set<String> seen = new HashSet<>();
  private final List<ShmChannel> accepted = new CopyOnWriteArrayList<>();
  private final ReentrantLock acceptLock = new ReentrantLock();
  private volatile boolean closed;

  private ShmServer(String uri, ChannelOptions options, ShmOptions shm, RollCycle rollCycle, Layout layout,
      boolean createdDir, ControlBlock block) {
    this.uri = uri;
    this.options = options;
    this.shm = shm;
    this.rollCycle = rollCycle;
    this.layout = layout;
    this.createdDir = createdDir;
    this.block = block;
    this.watch = Heartbeats.start(block, () -> null, shm.heartbeat().toNanos(), shm.peerTimeout().toNanos(),
        "nobody");
  }

  /**
   * Starts listening in {@code dir}. A live server there is never displaced; the files of a dead
   * one (its process gone, or silent for {@code peerTimeout}) are removed first.
   */
  static ShmServer listen(String uri, ChannelOptions options, ShmOptions shm, RollCycle rollCycle, Path dir)
      throws IOException {
    Layout layout = new Layout(dir);
    boolean created = !Files.exists(dir);
    Queues.createPrivateDirectories(dir);
    Queues.checkPrivate(dir, uri);
    var previous = ControlBlock.open(layout.serverBlock());
    if (previous.isPresent()) {
      ControlBlock p = previous.get();
      if (p.looksAlive(shm.peerTimeout().toMillis())) {
        throw new IpcException("address in use: a live shm: server (pid " + p.pid() + ") listens at " + uri);
      }
      Queues.deleteTree(layout.connections()); // a dead server's clients are gone with it
    }
    Queues.createPrivateDirectories(layout.connections());
    ControlBlock block = ControlBlock.create(layout.serverBlock(), shm.heartbeat().toMillis(), options.maxMessage());
    return new ShmServer(uri, options, shm, rollCycle, layout, created, block);
  }

  @Override
  public String uri() {
    return uri;
  }

  @Override
  public Channel accept(Duration timeout) throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    acceptLock.lock();
    try {
      while (true) {
        checkOpen();
        ShmChannel c = acceptOne();
        if (c != null) {
          return c;
        }
        if (System.nanoTime() - deadline >= 0) {
          return null;
        }
        LockSupport.parkNanos(this, Math.min(SCAN_PAUSE_NANOS, Math.max(1, deadline - System.nanoTime())));
      }
    } finally {
      acceptLock.unlock();
    }
  }

  /** The first complete connection not accepted before, as a channel; null if there is none. */
  private ShmChannel acceptOne() throws IOException {
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(layout.connections())) {
      for (Path dir : dirs) {
        String id = dir.getFileName().toString();
        if (seen.contains(id)) {
          continue;
        }
        var client = ControlBlock.open(dir.resolve(Layout.Side.CLIENT.ownBlock));
        if (client.isEmpty()) {
          continue; // the client is still creating it
        }
        seen.add(id);
        ControlBlock clientBlock = client.get();
        ShmChannel[] self = new ShmChannel[1];
        ShmChannel c = ShmChannel.open(uri, options, shm, rollCycle, dir, Layout.Side.SERVER,
            () -> clientBlock, "client " + id, () -> accepted.remove(self[0]));
        self[0] = c;
        accepted.add(c);
        if (closed) {
          c.close();
          checkOpen();
        }
        return c;
      }
    } catch (java.nio.file.NoSuchFileException e) {
      checkOpen();
      throw new IpcException("shm: server " + uri + " lost its directory " + layout.connections(), e);
    }
    return null;
  }

  @Override
  public List<Channel> channels() {
    return accepted.stream().filter(Channel::isOpen).map(c -> (Channel) c).toList();
  }

  private void checkOpen() throws ChannelClosedException {
    if (closed) {
      throw new ChannelClosedException("shm: server " + uri + " is closed");
    }
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    block.state(ControlBlock.CLOSED);
    Heartbeats.stop(watch);
    for (ShmChannel c : accepted) {
      c.close();
    }
    acceptLock.lock(); // an accept in progress has seen the close
    acceptLock.unlock();
    if (shm.deleteOnClose(false)) {
      try {
        Queues.deleteTree(layout.connections());
        Files.deleteIfExists(layout.serverBlock());
        if (createdDir) {
          Files.deleteIfExists(layout.dir());
        }
      } catch (IOException e) {
        // a client may still be adding files; nothing more to do here
      }
    }
  }

  @Override
  public String toString() {
    return "ShmServer[" + uri + "]";
  }
}
