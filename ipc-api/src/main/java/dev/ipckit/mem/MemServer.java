package dev.ipckit.mem;

import dev.ipckit.Channel;
import dev.ipckit.ChannelClosedException;
import dev.ipckit.ChannelOptions;
import dev.ipckit.ChannelServer;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A mem: server: registered under its name until closed. */
final class MemServer implements ChannelServer {
  private final String name;
  private final String uri;
  private final ChannelOptions options;
  private final LinkedBlockingQueue<MemChannel> pending = new LinkedBlockingQueue<>();
  private final List<Channel> accepted = new CopyOnWriteArrayList<>();
  private volatile boolean closed;

  MemServer(String name, String uri, ChannelOptions options) {
    this.name = name;
    this.uri = uri;
    this.options = options;
  }

  /** Called by a connecting client: makes the pair, queues the server end, returns the client end. */
  MemChannel connect(String clientUri, ChannelOptions clientOptions) throws ChannelClosedException {
    if (closed) {
      throw new ChannelClosedException("mem: server " + uri + " is closed");
    }
    MemQueue toServer = new MemQueue(clientUri, clientOptions.sendBuffer());
    MemQueue toClient = new MemQueue(uri, options.sendBuffer());
    MemChannel[] serverEnd = new MemChannel[1];
    serverEnd[0] = new MemChannel(uri, options, toServer, toClient, () -> accepted.remove(serverEnd[0]));
    MemChannel client = new MemChannel(clientUri, clientOptions, toClient, toServer, () -> {});
    pending.add(serverEnd[0]);
    return client;
  }

  @Override
  public String uri() {
    return uri;
  }

  @Override
  public Channel accept(Duration timeout) throws IOException {
    if (closed) {
      throw new ChannelClosedException("mem: server " + uri + " is closed");
    }
    try {
      MemChannel c = pending.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
      if (c != null) {
        accepted.add(c);
      } else if (closed) {
        throw new ChannelClosedException("mem: server " + uri + " is closed");
      }
      return c;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ChannelClosedException("interrupted in accept on " + uri, e);
    }
  }

  @Override
  public List<Channel> channels() {
    return accepted.stream().filter(Channel::isOpen).toList();
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    MemTransport.unregister(name, this);
    for (MemChannel c; (c = pending.poll()) != null; ) {
      c.close();
    }
    for (Channel c : accepted) {
      try {
        c.close();
      } catch (IOException ignored) {
        // mem channels do not fail to close
      }
    }
  }
}
