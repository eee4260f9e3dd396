package dev.ipckit.bench;

import dev.ipckit.Channels;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;

/**
 * Sockets the peer connects to: {@code raw-unix} and {@code raw-tcp} (blocking JDK
 * {@link SocketChannel}s with ipckit's framing, see {@link RawLink}) and ipckit's
 * {@code unix://} and {@code tcp://}.
 */
final class SocketRow extends ListeningRow {
  private final boolean raw;
  private final boolean unixDomain;

  private SocketRow(String label, String baseline, boolean raw, boolean unixDomain) {
    super(label, baseline);
    this.raw = raw;
    this.unixDomain = unixDomain;
  }

  static final SocketRow RAW_UNIX = new SocketRow("raw-unix", null, true, true);
  static final SocketRow UNIX = new SocketRow("unix", "raw-unix", false, true);
  static final SocketRow RAW_TCP = new SocketRow("raw-tcp", null, true, false);
  static final SocketRow TCP = new SocketRow("tcp", "raw-tcp", false, false);

  @Override
  Listener listen(BenchContext ctx) throws IOException {
    if (!raw) {
      String uri = unixDomain ? "unix://" + ctx.newPath("ipckit", ".sock") : "tcp://127.0.0.1:0";
      return new IpckitListener(Channels.listen(uri + ctx.channelQuery()));
    }
    if (unixDomain) {
      Path file = ctx.newPath("raw", ".sock");
      ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
      server.bind(UnixDomainSocketAddress.of(file));
      return new RawListener(server, file.toString(), file);
    }
    ServerSocketChannel server = ServerSocketChannel.open();
    server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    int port = ((InetSocketAddress) server.getLocalAddress()).getPort();
    return new RawListener(server, InetAddress.getLoopbackAddress().getHostAddress() + ":" + port, null);
  }

  @Override
  BenchLink peer(String address) throws IOException {
    if (!raw) {
      return new IpckitLink(Channels.open(address));
    }
    if (unixDomain) {
      return RawLink.of(SocketChannel.open(UnixDomainSocketAddress.of(address)));
    }
    int colon = address.lastIndexOf(':');
    SocketChannel ch = SocketChannel.open(new InetSocketAddress(address.substring(0, colon),
        Integer.parseInt(address.substring(colon + 1))));
    ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
    return RawLink.of(ch);
  }
}
