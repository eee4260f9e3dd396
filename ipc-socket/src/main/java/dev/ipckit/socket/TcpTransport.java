package dev.ipckit.socket;

import dev.ipckit.Capabilities;
import dev.ipckit.Capability;
import dev.ipckit.ChannelOptions;
import dev.ipckit.ChannelUri;
import dev.ipckit.InvalidChannelUriException;
import dev.ipckit.IpcException;
import dev.ipckit.stream.LinkAcceptor;
import dev.ipckit.stream.SelectableLink;
import dev.ipckit.stream.StreamTransport;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Optional;
import java.util.Set;

/**
 * {@code tcp://host:port}: the JDK's sockets with ipckit's framing. A server binds 127.0.0.1 unless
 * the URI names another address ({@code tcp://0.0.0.0:7000} to listen on every interface); port 0
 * picks a free port, reported by {@code ChannelServer.uri()}. {@code ?secret=} makes both ends
 * prove they know a shared secret before anything else is exchanged.
 */
public final class TcpTransport extends StreamTransport {
  static final Capabilities CAPABILITIES = Capabilities.of(Capability.ORDERED, Capability.LOSSLESS,
      Capability.ONE_TO_MANY, Capability.CROSSES_HOSTS, Capability.CROSSES_PROCESSES, Capability.BYTE_STREAM);

  public TcpTransport() {
    super("tcp", CAPABILITIES, Set.of("secret", "backlog"));
  }

  @Override
  protected byte[] secret(ChannelUri uri) {
    return optionBytes(uri, "secret");
  }

  @Override
  protected LinkAcceptor.Accepted connect(ChannelUri uri, ChannelOptions options) throws IOException {
    InetSocketAddress address = address(uri, false);
    SocketChannel ch = SocketChannel.open();
    try {
      ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
      ch.socket().connect(address, (int) Math.min(Integer.MAX_VALUE, options.connectTimeout().toMillis()));
      return new LinkAcceptor.Accepted(new SelectableLink(ch), address.toString(), Optional.empty());
    } catch (SocketTimeoutException e) {
      ch.close();
      throw new IpcException("connect to " + uri + " timed out after " + options.connectTimeout().toMillis() + " ms", e);
    } catch (IOException e) {
      ch.close();
      throw new IpcException("cannot connect to " + uri + ": " + e.getMessage(), e);
    }
  }

  @Override
  protected Bound bind(ChannelUri uri, ChannelOptions options) throws IOException {
    InetSocketAddress address = address(uri, true);
    ServerSocketChannel server = ServerSocketChannel.open();
    try {
      server.bind(address, (int) uri.integer("backlog", 128));
    } catch (IOException e) {
      server.close();
      throw new IpcException("cannot listen at " + uri + ": " + e.getMessage(), e);
    }
    InetSocketAddress bound = (InetSocketAddress) server.getLocalAddress();
    String host = bound.getAddress().getHostAddress();
    if (host.contains(":")) {
      host = "[" + host + "]";
    }
    ChannelUri real = uri.withAddress("//" + host + ":" + bound.getPort());
    return new Bound(new Acceptor(server), real);
  }

  private static InetSocketAddress address(ChannelUri uri, boolean listening) throws InvalidChannelUriException {
    // java.net.URI leaves host and port unset for "//:0", so the authority is read here
    String authority = uri.base().getRawAuthority();
    String host = null;
    int port = -1;
    if (authority != null) {
      int colon = authority.lastIndexOf(':');
      host = colon < 0 ? authority : authority.substring(0, colon);
      if (host.startsWith("[") && host.endsWith("]")) {
        host = host.substring(1, host.length() - 1);
      }
      if (colon >= 0) {
        try {
          port = Integer.parseInt(authority.substring(colon + 1));
        } catch (NumberFormatException e) {
          throw new InvalidChannelUriException(uri.toString(), "port '" + authority.substring(colon + 1)
              + "' is not a number");
        }
        if (port > 65535) {
          throw new InvalidChannelUriException(uri.toString(), "port " + port + " is above 65535");
        }
      }
    }
    if (port < 0 || (!listening && port == 0)) {
      throw new InvalidChannelUriException(uri.toString(), listening
          ? "tcp: needs a port (0 for any free one), e.g. tcp://127.0.0.1:7000"
          : "tcp: needs the server's port, e.g. tcp://127.0.0.1:7000");
    }
    if (host == null || host.isEmpty()) {
      host = "127.0.0.1";
    }
    InetSocketAddress a = new InetSocketAddress(host, port);
    if (a.isUnresolved()) {
      throw new InvalidChannelUriException(uri.toString(), "unknown host '" + host + "'");
    }
    return a;
  }

  /** Accepts TCP connections; no credentials are known for a TCP peer. */
  private static final class Acceptor implements LinkAcceptor {
    private final ServerSocketChannel server;

    Acceptor(ServerSocketChannel server) {
      this.server = server;
    }

    @Override
    public Accepted accept() throws IOException {
      SocketChannel ch = server.accept();
      try {
        ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
        return new Accepted(new SelectableLink(ch), String.valueOf(ch.getRemoteAddress()), Optional.empty());
      } catch (IOException | RuntimeException e) {
        ch.close();
        throw e;
      }
    }

    @Override
    public void close() throws IOException {
      server.close();
    }
  }
}
