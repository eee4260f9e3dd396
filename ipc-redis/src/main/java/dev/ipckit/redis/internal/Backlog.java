package dev.ipckit.redis.internal;

import dev.ipckit.Channel;
import dev.ipckit.ChannelClosedException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A Redis server's channels: those that said hello and wait for accept, and the accepted ones (not API). */
public final class Backlog {
  private final String display;
  private final LinkedBlockingQueue<Channel> pending = new LinkedBlockingQueue<>();
  private final List<Channel> accepted = new CopyOnWriteArrayList<>();
  private volatile boolean closed;

  public Backlog(String display) {
    this.display = display;
  }

  /** Channels waiting for accept. */
  public int waiting() {
    return pending.size();
  }

  public void add(Channel c) {
    pending.add(c);
  }

  /** The next waiting channel, or null after {@code timeout}. */
  public Channel accept(Duration timeout) throws ChannelClosedException {
    if (closed) {
      throw new ChannelClosedException("server " + display + " is closed");
    }
    try {
      Channel c = pending.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
      if (c == null) {
        if (closed) {
          throw new ChannelClosedException("server " + display + " is closed");
        }
        return null;
      }
      accepted.add(c);
      return c;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ChannelClosedException("interrupted in accept on " + display, e);
    }
  }

  /** A channel closed: no longer listed. */
  public void remove(Channel c) {
    accepted.remove(c);
  }

  /** The accepted channels that are still open. */
  public List<Channel> channels() {
    return accepted.stream().filter(Channel::isOpen).toList();
  }

  /** The server closed: accept fails from now on, waiting channels are dropped (the caller closes them). */
  public void close() {
    closed = true;
    pending.clear();
  }
}
