package dev.ipckit.bench;

import dev.ipckit.Channel;
import dev.ipckit.ChannelClosedException;
import dev.ipckit.MessageHandler;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;

/**
 * An ipckit {@link Channel} used as its contract intends: {@code send} per message (the channel's
 * smart batching decides how many share a system call; nothing is batched on top), and
 * {@code poll} with zero-copy views on the receiving side.
 */
final class IpckitLink implements BenchLink {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

  private final Channel channel;
  private final Counter counter = new Counter();
  private final Echo echo = new Echo();
  private long checksum;
  private final MessageHandler reply = m -> checksum += m.get(m.position());

  IpckitLink(Channel channel) {
    this.channel = channel;
  }

  @Override
  public void sendFor(ByteBuffer payload, long nanos) throws IOException {
    long end = System.nanoTime() + nanos;
    for (int i = 0; (i & 255) != 0 || System.nanoTime() - end < 0; i++) {
      payload.put(payload.position(), (byte) i);
      channel.send(payload);
    }
    channel.send(EMPTY.duplicate()); // the stop marker
  }

  @Override
  public ThroughputResult receive(ThroughputMeter meter) throws IOException {
    Counter c = counter;
    while (!c.stopped) {
      if (channel.poll(c, Integer.MAX_VALUE, WAIT) == 0) {
        throw new SocketTimeoutException("no message for " + WAIT.toSeconds() + " s from the sender");
      }
      meter.batch(c.count);
    }
    checksum += c.sum;
    return meter.finish(c.count, c.sum);
  }

  @Override
  public void echo() throws IOException {
    try {
      while (!echo.done) {
        channel.poll(echo, Integer.MAX_VALUE, WAIT);
      }
    } catch (UncheckedIOException e) {
      throw e.getCause();
    } catch (ChannelClosedException e) {
      // the parent closed: the row is over
    }
  }

  @Override
  public void roundTrip(ByteBuffer payload) throws IOException {
    channel.send(payload);
    if (channel.poll(reply, 1, WAIT) == 0) {
      throw new SocketTimeoutException("no echo within " + WAIT.toSeconds() + " s");
    }
  }

  @Override
  public void sendEnd() throws IOException {
    channel.send(EMPTY.duplicate());
  }

  @Override
  public long checksum() {
    return checksum;
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }

  /** The receiver's per-message work: count, and add byte 0 to a checksum. */
  private static final class Counter implements MessageHandler {
    long count;
    long sum;
    boolean stopped;

    @Override
    public void onMessage(ByteBuffer m) {
      if (!m.hasRemaining()) {
        stopped = true;
        return;
      }
      sum += m.get(m.position());
      count++;
    }
  }

  /** Sends every message straight back from the channel's receive buffer. */
  private final class Echo implements MessageHandler {
    boolean done;

    @Override
    public void onMessage(ByteBuffer m) {
      if (!m.hasRemaining()) {
        done = true;
        return;
      }
      try {
        channel.send(m);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
