package dev.ipckit.stream;

import dev.ipckit.Capabilities;
import dev.ipckit.Channel;
import dev.ipckit.ChannelClosedException;
import dev.ipckit.ChannelOptions;
import dev.ipckit.ChannelServer;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link ChannelServer} for any byte-stream transport. An accept thread takes connections from
 * the {@link LinkAcceptor}; handshakes run on a small bounded pool, each within the handshake
 * timeout, so a client that sends half a hello and falls silent holds up no one. Connections
 * that fail the handshake are closed and counted; {@link #accept} only ever returns channels
 * that completed it.
 */
public final class FramedServer implements ChannelServer {
  private static final int HANDSHAKE_THREADS = 8;
  private static final int HANDSHAKE_BACKLOG = 256;

  private final String uri;
  private final LinkAcceptor acceptor;
  private final ChannelOptions options;
  private final Capabilities capabilities;
  private final byte[] secret;
  private final long handshakeNanos;
  private final LinkedBlockingQueue<Channel> ready = new LinkedBlockingQueue<>();
  private final List<Channel> channels = new CopyOnWriteArrayList<>();
  private final ThreadPoolExecutor handshakes;
  private final Thread acceptThread;
  private final AtomicLong refused = new AtomicLong();
  private volatile boolean closed;

  public FramedServer(String uri, LinkAcceptor acceptor, ChannelOptions options, Capabilities capabilities,
      byte[] secret, Duration handshakeTimeout) {
    this.uri = uri;
    this.acceptor = acceptor;
    this.options = options;
    this.capabilities = capabilities;
    this.secret = secret;
    this.handshakeNanos = handshakeTimeout.toNanos();
    AtomicInteger n = new AtomicInteger();
    // core == max with core timeout: a pool with 0 core threads would run one handshake at a
    // time until its queue filled, and a silent client would hold up everyone behind it
    this.handshakes = new ThreadPoolExecutor(HANDSHAKE_THREADS, HANDSHAKE_THREADS, 1, TimeUnit.SECONDS,
        new ArrayBlockingQueue<>(HANDSHAKE_BACKLOG), r -> {
          Thread t = new Thread(r, "ipckit-handshake-" + n.incrementAndGet() + " " + uri);
          t.setDaemon(true);
          return t;
        });
    handshakes.allowCoreThreadTimeOut(true);
    this.acceptThread = new Thread(this::acceptLoop, "ipckit-accept " + uri);
    acceptThread.setDaemon(true);
    acceptThread.start();
  }

  private void acceptLoop() {
    while (!closed) {
      LinkAcceptor.Accepted a;
      try {
        a = acceptor.accept();
      } catch (IOException | RuntimeException e) {
        if (closed) {
          return;
        }
        // a failed accept (EMFILE, an aborted connection) must not end the server
        sleepQuietly(10);
        continue;
      }
      if (!acceptor.admit(a)) {
        refused.incrementAndGet();
        closeQuietly(a.link());
        continue;
      }
      try {
        handshakes.execute(new PendingHandshake(a));
      } catch (RejectedExecutionException e) {
        refused.incrementAndGet();
        closeQuietly(a.link());
      }
    }
  }

  private void handshake(LinkAcceptor.Accepted a) {
    String channelUri = uri + "#" + a.peer();
    try {
      Handshake.Result r = Handshake.run(a.link(), channelUri, true, options.maxMessage(), secret, handshakeNanos);
      FramedChannel c = new FramedChannel(channelUri, a.link(), options, capabilities, r.peerMaxMessage(),
          a.credentials(), Framing.IPCKIT, r.peerAcceptsHandles());
      if (closed) {
        c.close();
        return;
      }
      channels.add(c);
      ready.add(c);
    } catch (IOException | RuntimeException e) {
      refused.incrementAndGet();
      closeQuietly(a.link());
    }
  }

  @Override
  public String uri() {
    return uri;
  }

  /** Connections closed before or during the handshake (garbage, timeouts, refused uids). */
  public long refusedCount() {
    return refused.get();
  }

  @Override
  public Channel accept(Duration timeout) throws IOException {
    if (closed) {
      throw new ChannelClosedException("server " + uri + " is closed");
    }
    try {
      Channel c = ready.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
      if (c == null && closed) {
        throw new ChannelClosedException("server " + uri + " is closed");
      }
      return c;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ChannelClosedException("interrupted in accept on " + uri, e);
    }
  }

  @Override
  public List<Channel> channels() {
    channels.removeIf(c -> !c.isOpen());
    return List.copyOf(channels);
  }

  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    try {
      acceptor.close();
    } finally {
      for (Runnable queued : handshakes.shutdownNow()) {
        // accepted but still waiting for a handshake thread: nothing else would close them
        closeQuietly(((PendingHandshake) queued).accepted.link());
      }
      try {
        acceptThread.join(5000);
        handshakes.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      for (Channel c : channels) {
        try {
          c.close();
        } catch (IOException ignored) {
          // closing the others matters more
        }
      }
      channels.clear();
      ready.clear();
    }
  }

  /** The handshake of one accepted connection, kept whole so that a close can drop it unrun. */
  private final class PendingHandshake implements Runnable {
    final LinkAcceptor.Accepted accepted;

    PendingHandshake(LinkAcceptor.Accepted accepted) {
      this.accepted = accepted;
    }

    @Override
    public void run() {
      handshake(accepted);
    }
  }

  private static void closeQuietly(StreamLink link) {
    try {
      link.close();
    } catch (IOException ignored) {
      // the connection is being dropped anyway
    }
  }

  private static void sleepQuietly(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
