package dev.ipckit.tests.mutants;

import dev.ipckit.Capabilities;
import dev.ipckit.Channel;
import dev.ipckit.ChannelClosedException;
import dev.ipckit.MessageHandler;
import dev.ipckit.MessageTooLargeException;
import dev.ipckit.SendTimeoutException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A mem: channel with one {@link Mutation}. */
final class MutantChannel implements Channel {
  private final Channel mem;
  private final Mutation mutation;
  private final List<ByteBuffer> unbounded = new ArrayList<>();
  private ByteBuffer held;
  private ByteBuffer shared;
  private long sent;
  private volatile boolean closedHere;

  MutantChannel(Channel mem, Mutation mutation) {
    this.mem = mem;
    this.mutation = mutation;
    if (mutation == Mutation.LEAKS_THREAD) {
      Thread t = new Thread(() -> {
        try {
          Thread.sleep(4_000);
        } catch (InterruptedException ignored) {
          // gone
        }
      }, "ipckit-leak");
      t.setDaemon(true);
      t.start();
    }
  }

  @Override
  public String uri() {
    return mem.uri();
  }

  @Override
  public Capabilities capabilities() {
    return mem.capabilities();
  }

  @Override
  public synchronized void send(ByteBuffer message) throws IOException {
    if (closedHere && mutation == Mutation.SEND_AFTER_CLOSE_IGNORED) {
      return;
    }
    long n = sent++;
    switch (mutation) {
      case DROPS -> {
        if (n == 50_000) {
          return;
        }
      }
      case SWAPS -> {
        if (n == 7_777) {
          held = copy(message);
          return;
        }
        if (n == 7_778) {
          mem.send(message);
          mem.send(held);
          return;
        }
      }
      case CORRUPTS -> {
        if (message.remaining() >= (1 << 20)) {
          ByteBuffer c = copy(message);
          c.put(c.limit() / 2, (byte) ~c.get(c.limit() / 2));
          mem.send(c);
          return;
        }
      }
      case PARTIAL_OVERSIZE -> {
        try {
          mem.send(message);
        } catch (MessageTooLargeException e) {
          mem.send(message.duplicate().limit(message.position() + 100));
          throw e;
        }
        return;
      }
      case UNBOUNDED -> {
        if (unbounded.isEmpty()) {
          try {
            mem.send(message);
            return;
          } catch (SendTimeoutException e) {
            // keep it, as a transport with an unbounded queue would
          }
        }
        unbounded.add(copy(message));
        return;
      }
      default -> { }
    }
    mem.send(message);
  }

  private static ByteBuffer copy(ByteBuffer m) {
    ByteBuffer c = ByteBuffer.allocate(m.remaining());
    c.put(m.duplicate()).flip();
    return c;
  }

  @Override
  public void flush() throws IOException {
    mem.flush();
  }

  @Override
  public ByteBuffer receive(Duration timeout) throws IOException {
    if (mutation == Mutation.IGNORES_TIMEOUT) {
      timeout = Duration.ZERO;
    }
    ByteBuffer m;
    try {
      m = mem.receive(timeout);
    } catch (ChannelClosedException e) {
      if (mutation == Mutation.SLOW_CLOSE) {
        sleep(1_500);
      }
      throw e;
    }
    if (m != null && mutation == Mutation.REUSES_RECEIVE_BUFFER) {
      synchronized (this) {
        if (shared == null || shared.capacity() < m.remaining()) {
          shared = ByteBuffer.allocate(Math.max(m.remaining(), 1 << 16));
        }
        shared.clear();
        shared.put(m).flip();
        return shared;
      }
    }
    return m;
  }

  @Override
  public ByteBuffer receive() throws IOException {
    return mem.receive();
  }

  @Override
  public int poll(MessageHandler handler, int limit, Duration timeout) throws IOException {
    if (mutation == Mutation.WRITABLE_POLL) {
      ByteBuffer m = mem.receive(timeout);
      if (m == null) {
        return 0;
      }
      handler.onMessage(copy(m));
      return 1;
    }
    try {
      return mem.poll(handler, limit, timeout);
    } catch (ChannelClosedException e) {
      if (mutation == Mutation.SLOW_CLOSE) {
        sleep(1_500);
      }
      throw e;
    }
  }

  @Override
  public boolean isOpen() {
    return mutation == Mutation.ALWAYS_OPEN || mem.isOpen();
  }

  @Override
  public void close() throws IOException {
    closedHere = true;
    mem.close();
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
