package dev.ipckit.mem;

import dev.ipckit.Capabilities;
import dev.ipckit.Capability;
import dev.ipckit.Channel;
import dev.ipckit.ChannelOptions;
import dev.ipckit.ChannelServer;
import dev.ipckit.ChannelUri;
import dev.ipckit.InvalidChannelUriException;
import dev.ipckit.IpcException;
import dev.ipckit.spi.TransportProvider;
import java.io.IOException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code mem:NAME}: channels between threads of one JVM. The reference transport: it has no
 * wire, so what fails on a real transport and passes here is the transport's fault, and what
 * fails here is the suite's.
 */
public final class MemTransport implements TransportProvider {
  static final Capabilities CAPABILITIES =
      Capabilities.of(Capability.ORDERED, Capability.LOSSLESS, Capability.ONE_TO_MANY);

  private static final ConcurrentHashMap<String, MemServer> SERVERS = new ConcurrentHashMap<>();

  @Override
  public Set<String> schemes() {
    return Set.of("mem");
  }

  @Override
  public Capabilities capabilities() {
    return CAPABILITIES;
  }

  @Override
  public Channel open(ChannelUri uri) throws IOException {
    MemServer server = SERVERS.get(name(uri));
    if (server == null) {
      throw new IpcException("connection refused: no mem: server listening at " + uri);
    }
    return server.connect(uri.toString(), ChannelOptions.from(uri));
  }

  @Override
  public ChannelServer listen(ChannelUri uri) throws IOException {
    String name = name(uri);
    MemServer server = new MemServer(name, uri.toString(), ChannelOptions.from(uri));
    if (SERVERS.putIfAbsent(name, server) != null) {
      throw new IpcException("address in use: a mem: server already listens at " + uri);
    }
    return server;
  }

  static void unregister(String name, MemServer server) {
    SERVERS.remove(name, server);
  }

  private static String name(ChannelUri uri) throws InvalidChannelUriException {
    String name = uri.address().replaceFirst("^//", "");
    if (name.isEmpty()) {
      throw new InvalidChannelUriException(uri.toString(), "mem: needs a name, e.g. mem:jobs");
    }
    return name;
  }
}
