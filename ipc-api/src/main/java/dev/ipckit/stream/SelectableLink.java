package dev.ipckit.stream;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.NetworkChannel;
import java.nio.channels.ScatteringByteChannel;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;

/**
 * A {@link StreamLink} over a non-blocking selectable channel (a JDK or junixsocket socket). Reads
 * and writes are tried first and waited for only when they would block, so a busy stream costs one
 * system call per batch and an idle one a single {@code epoll_wait}. Reader and writer have a
 * selector each, so neither waits for the other.
 */
public final class SelectableLink implements StreamLink {
  private final SelectableChannel channel;
  private final ScatteringByteChannel in;
  private final GatheringByteChannel out;
  private final Object selectorLock = new Object();
  private Selector readSelector;
  private Selector writeSelector;
  private volatile boolean closed;

  public <C extends SelectableChannel & ScatteringByteChannel & GatheringByteChannel> SelectableLink(C channel)
      throws IOException {
    this.channel = channel;
    this.in = channel;
    this.out = channel;
    channel.configureBlocking(false);
  }

  /**
   * Selectors are opened on the first wait: a connection that fails its handshake at once (most
   * hostile ones do) never costs the four descriptors two selectors take.
   */
  private Selector selector(boolean forRead) throws IOException {
    synchronized (selectorLock) {
      if (closed) {
        throw new ClosedChannelException();
      }
      Selector s = forRead ? readSelector : writeSelector;
      if (s == null) {
        s = channel.provider().openSelector();
        try {
          channel.register(s, forRead ? SelectionKey.OP_READ : SelectionKey.OP_WRITE);
        } catch (IOException | RuntimeException e) {
          closeQuietly(s);
          throw e;
        }
        if (forRead) {
          readSelector = s;
        } else {
          writeSelector = s;
        }
      }
      return s;
    }
  }

  public SelectableChannel channel() {
    return channel;
  }

  @Override
  public int read(ByteBuffer dst, long timeoutNanos) throws IOException {
    long deadline = System.nanoTime() + timeoutNanos;
    while (true) {
      int n = in.read(dst);
      if (n != 0 || timeoutNanos <= 0) {
        return n;
      }
      long left = deadline - System.nanoTime();
      if (left <= 0 || !await(selector(true), left)) {
        return 0;
      }
    }
  }

  @Override
  public boolean awaitReadable(long timeoutNanos) throws IOException {
    return await(selector(true), timeoutNanos);
  }

  @Override
  public long write(ByteBuffer[] srcs, long timeoutNanos) throws IOException {
    long deadline = System.nanoTime() + timeoutNanos;
    long total = 0;
    while (true) {
      long n = srcs.length == 1 ? out.write(srcs[0]) : writeEach(srcs);
      total += n;
      if (!hasRemaining(srcs) || timeoutNanos <= 0) {
        return total;
      }
      // a write that left bytes behind found the socket's buffer full: retrying at once would
      // only fail, so wait for room (as a blocking write would, inside the kernel)
      long left = deadline - System.nanoTime();
      if (left <= 0 || !await(selector(false), left)) {
        return total;
      }
    }
  }

  /**
   * One buffer at a time: junixsocket's gathering write loses track of the buffers' positions
   * (seen with 2.11.1: a 16 MiB frame stalled), and only large frames have two parts.
   */
  private long writeEach(ByteBuffer[] srcs) throws IOException {
    long n = 0;
    for (ByteBuffer b : srcs) {
      if (b.hasRemaining()) {
        int w = out.write(b);
        n += w;
        if (b.hasRemaining()) {
          break;
        }
      }
    }
    return n;
  }

  private static boolean hasRemaining(ByteBuffer[] srcs) {
    for (ByteBuffer b : srcs) {
      if (b.hasRemaining()) {
        return true;
      }
    }
    return false;
  }

  /** Waits until the selector's one key is ready; false on timeout. */
  private boolean await(Selector selector, long nanos) throws IOException {
    if (closed) {
      throw new ClosedChannelException();
    }
    if (Thread.currentThread().isInterrupted()) {
      // select returns at once for an interrupted thread: without this the wait would spin
      throw new InterruptedIOException("interrupted while waiting on a stream");
    }
    // Selector times are in milliseconds; round up so a short wait is not a busy loop
    long millis = Math.max(1, TimeUnit.NANOSECONDS.toMillis(nanos + 999_999));
    int ready;
    try {
      ready = selector.select(millis);
      selector.selectedKeys().clear();
    } catch (ClosedSelectorException e) {
      // close() won the race with this wait
      throw new ClosedChannelException();
    }
    if (closed) {
      throw new ClosedChannelException();
    }
    return ready > 0;
  }

  @Override
  public void shutdownOutput() throws IOException {
    if (channel instanceof SocketChannel sc) {
      sc.shutdownOutput();
    } else if (channel instanceof NetworkChannel) {
      // junixsocket's channels are SocketChannels too; anything else has no half-close
      out.close();
    }
  }

  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    synchronized (selectorLock) {
      closed = true;
      // selectors first: a channel still registered with one may keep its fd open after close
      // (junixsocket does), and closing a selector wakes a thread waiting in it
      closeQuietly(readSelector);
      closeQuietly(writeSelector);
    }
    channel.close();
  }

  private static void closeQuietly(Selector s) {
    if (s != null) {
      try {
        s.close();
      } catch (IOException ignored) {
        // nothing more can be done for a selector that will not close
      }
    }
  }
}
