package dev.ipckit.socket;

import dev.ipckit.ChannelServer;
import dev.ipckit.tests.ChannelConformanceSuite;
import dev.ipckit.tests.TransportFixture;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.channels.ByteChannel;
import java.nio.channels.SocketChannel;

/** tcp:// through the conformance suite. */
class TcpConformanceTest extends ChannelConformanceSuite {
  @Override
  protected TransportFixture createFixture() {
    return new TransportFixture(TcpTransport.CAPABILITIES) {
      @Override
      public String serverUri(String options) {
        return "tcp://127.0.0.1:0" + (options.isEmpty() ? "" : "?" + options);
      }

      @Override
      public ByteChannel rawConnect(ChannelServer server) throws IOException {
        URI u = URI.create(server.uri());
        return closeLater(SocketChannel.open(new InetSocketAddress(u.getHost(), u.getPort())));
      }
    };
  }
}
