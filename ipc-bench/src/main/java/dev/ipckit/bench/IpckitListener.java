package dev.ipckit.bench;

import dev.ipckit.Channel;
import dev.ipckit.ChannelServer;
import java.io.IOException;
import java.time.Duration;

/** An ipckit {@link ChannelServer}; closing it removes its socket file. */
final class IpckitListener implements Listener {
  private final ChannelServer server;

  IpckitListener(ChannelServer server) {
    this.server = server;
  }

  @Override
  public String address() {
    return server.uri();
  }

  @Override
  public BenchLink accept(Duration timeout) throws IOException {
    Channel c = server.accept(timeout);
    return c == null ? null : new IpckitLink(c);
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
