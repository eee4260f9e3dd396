package dev.ipckit.socket;

import dev.ipckit.ChannelServer;
import dev.ipckit.ChannelUri;
import dev.ipckit.tests.ChannelConformanceSuite;
import dev.ipckit.tests.TransportFixture;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ByteChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.atomic.AtomicInteger;

/** unix:// through the conformance suite; raw bytes come from the JDK's own Unix socket. */
class UnixConformanceTest extends ChannelConformanceSuite {
  @Override
  protected TransportFixture createFixture() {
    return new TransportFixture(UnixTransport.CAPABILITIES) {
      private final AtomicInteger n = new AtomicInteger();

      @Override
      public String serverUri(String options) {
        return "unix://" + scratch().resolve("s" + n.incrementAndGet() + ".sock")
            + (options.isEmpty() ? "" : "?" + options);
      }

      @Override
      public ByteChannel rawConnect(ChannelServer server) throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        ch.connect(UnixDomainSocketAddress.of(UnixSockets.path(ChannelUri.parse(server.uri()))));
        return closeLater(ch);
      }
    };
  }
}
