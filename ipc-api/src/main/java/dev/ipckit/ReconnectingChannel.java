package dev.ipckit;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Optional;

/**
 * A client channel that reconnects when the connection is lost (node-ipc's {@code retry} and
 * {@code maxRetries}): the delay starts at {@code retry}, grows 1.5x per attempt, is capped at
 * 30 s, and after {@code maxRetries} failed attempts in a row the channel gives up and closes.
 *
 * <p>Messages that were queued on a lost connection but not yet delivered are lost: across a
 * reconnect the channel is at-most-once. A {@link ProtocolException} is not retried.
 */
final class ReconnectingChannel implements Channel {
  private static final Duration MAX_DELAY = Duration.ofSeconds(30);

  /** Opens one connection; the same code path as a plain open. */
  interface Connector {
    Channel connect() throws IOException;
  }

  private final ChannelUri uri;
  private final ChannelOptions options;
  private final Connector connector;
  private final Object reconnectLock = new Object();
  private volatile Channel current;
  private volatile boolean closed;
  private volatile int reconnects;

  private ReconnectingChannel(ChannelUri uri, ChannelOptions options, Connector connector) {
    this.uri = uri;
    this.options = options;
    this.connector = connector;
  }

  static Channel open(ChannelUri uri, ChannelOptions options, Connector connector) throws IOException {
    ReconnectingChannel c = new ReconnectingChannel(uri, options, connector);
    c.current = c.connectWithBackoff(null);
    return c;
  }

  /** How many times the connection was re-established. */
  int reconnects() {
    return reconnects;
  }

  private Channel connectWithBackoff(IOException first) throws IOException {
    long delay = options.retry().toNanos();
    IOException last = first;
    for (int attempt = 0; attempt <= options.maxRetries(); attempt++) {
      if (closed) {
        throw new ChannelClosedException("channel " + uri + " is closed");
      }
      try {
        return connector.connect();
      } catch (InvalidChannelUriException | TransportUnavailableException e) {
        throw e;
      } catch (IOException e) {
        last = e;
      }
      if (attempt == options.maxRetries()) {
        break;
      }
      try {
        Thread.sleep(delay / 1_000_000, (int) (delay % 1_000_000));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new ChannelClosedException("interrupted while reconnecting to " + uri, e);
      }
      delay = Math.min((long) (delay * 1.5), MAX_DELAY.toNanos());
    }
    throw new ChannelClosedException("gave up connecting to " + uri + " after "
        + (options.maxRetries() + 1) + " attempts: " + (last == null ? "" : last.getMessage()), last);
  }

  /** Replaces {@code failed} with a new connection unless another thread already did. */
  private Channel reconnect(Channel failed, ChannelClosedException cause) throws IOException {
    synchronized (reconnectLock) {
      if (closed) {
        throw cause;
      }
      if (current != failed) {
        return current;
      }
      try {
        failed.close();
      } catch (IOException ignored) {
        // it is already broken; the new connection is what matters
      }
      current = connectWithBackoff(cause);
      reconnects++;
      return current;
    }
  }

  private interface Op<T> {
    T apply(Channel c) throws IOException;
  }

  private <T> T withRetry(Op<T> op) throws IOException {
    Channel c = current;
    while (true) {
      try {
        return op.apply(c);
      } catch (ChannelClosedException e) {
        if (closed) {
          throw e;
        }
        c = reconnect(c, e);
      }
    }
  }

  @Override
  public String uri() {
    return uri.toString();
  }

  @Override
  public Capabilities capabilities() {
    return current.capabilities();
  }

  @Override
  public void send(ByteBuffer message) throws IOException {
    withRetry(c -> {
      c.send(message.duplicate());
      return null;
    });
  }

  @Override
  public void send(ByteBuffer message, Handle... handles) throws IOException {
    withRetry(c -> {
      c.send(message.duplicate(), handles);
      return null;
    });
  }

  @Override
  public Delivery receiveWithHandles(Duration timeout) throws IOException {
    return withRetry(c -> c.receiveWithHandles(timeout));
  }

  @Override
  public void flush() throws IOException {
    withRetry(c -> {
      c.flush();
      return null;
    });
  }

  @Override
  public ByteBuffer receive(Duration timeout) throws IOException {
    return withRetry(c -> c.receive(timeout));
  }

  @Override
  public Duration receiveTimeout() {
    return options.receiveTimeout();
  }

  @Override
  public int poll(MessageHandler handler, int limit, Duration timeout) throws IOException {
    return withRetry(c -> c.poll(handler, limit, timeout));
  }

  @Override
  public boolean isOpen() {
    return !closed;
  }

  @Override
  public Optional<PeerCredentials> peerCredentials() {
    return current.peerCredentials();
  }

  @Override
  public void close() throws IOException {
    closed = true;
    synchronized (reconnectLock) {
      current.close();
    }
  }
}
