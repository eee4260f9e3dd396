package dev.ipckit.mem;

import dev.ipckit.Capabilities;
import dev.ipckit.Channel;
import dev.ipckit.ChannelClosedException;
import dev.ipckit.ChannelOptions;
import dev.ipckit.MessageHandler;
import dev.ipckit.MessageTooLargeException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One end of an in-memory channel: the reference transport that validates the conformance suite.
 * Messages are copied on send, so the sender may reuse its buffer at once, as with every transport.
 */
public final class MemChannel implements Channel {
  private final String uri;
  private final ChannelOptions options;
  private final MemQueue in;
  private final MemQueue out;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Runnable onClose;

  MemChannel(String uri, ChannelOptions options, MemQueue in, MemQueue out, Runnable onClose) {
    this.uri = uri;
    this.options = options;
    this.in = in;
    this.out = out;
    this.onClose = onClose;
  }

  @Override
  public String uri() {
    return uri;
  }

  @Override
  public Capabilities capabilities() {
    return MemTransport.CAPABILITIES;
  }

  @Override
  public void send(ByteBuffer message) throws IOException {
    if (closed.get()) {
      throw new ChannelClosedException("channel " + uri + " is closed");
    }
    if (message.remaining() > options.maxMessage()) {
      throw new MessageTooLargeException(uri, message.remaining(), options.maxMessage());
    }
    ByteBuffer copy = ByteBuffer.allocate(message.remaining());
    copy.put(message.duplicate()).flip();
    out.put(copy, options.sendTimeout().toNanos());
  }

  @Override
  public void flush() throws IOException {
    if (closed.get()) {
      throw new ChannelClosedException("channel " + uri + " is closed");
    }
  }

  @Override
  public ByteBuffer receive(Duration timeout) throws IOException {
    return in.take(timeout.toNanos(), true);
  }

  @Override
  public Duration receiveTimeout() {
    return options.receiveTimeout();
  }

  @Override
  public int poll(MessageHandler handler, int limit, Duration timeout) throws IOException {
    ByteBuffer m = in.take(timeout.toNanos(), true);
    int n = 0;
    while (m != null) {
      handler.onMessage(m.asReadOnlyBuffer());
      if (++n >= limit) {
        break;
      }
      m = in.take(0, false);
    }
    return n;
  }

  @Override
  public boolean isOpen() {
    return !closed.get() && !out.isClosed() && !(in.isClosed() && in.isEmpty());
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      out.closeWriter();
      in.closeReader();
      onClose.run();
    }
  }

  @Override
  public String toString() {
    return "MemChannel[" + uri + "]";
  }
}
