package dev.ipckit.socket;

import static org.junit.jupiter.api.Assertions.*;

import dev.ipckit.Channel;
import dev.ipckit.ChannelClosedException;
import dev.ipckit.ChannelServer;
import dev.ipckit.Channels;
import dev.ipckit.InvalidChannelUriException;
import dev.ipckit.IpcException;
import dev.ipckit.TransportUnavailableException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** tcp:// specifics: loopback by default, the shared secret, reconnect, URIs that are wrong. */
@Timeout(30)
class TcpTransportTest {

  @Test
  void bindsLoopbackAndReportsTheRealPort() throws Exception {
    try (ChannelServer server = Channels.listen("tcp://:0")) {
      URI u = URI.create(server.uri());
      assertEquals("127.0.0.1", u.getHost());
      assertTrue(u.getPort() > 0, server.uri());
    }
  }

  @Test
  void sameSecretConnects() throws Exception {
    try (ChannelServer server = Channels.listen("tcp://127.0.0.1:0?secret=s3cret");
        Channel c = Channels.open(server.uri())) {
      Channel accepted = server.accept(Duration.ofSeconds(5));
      c.send(ByteBuffer.wrap(new byte[] {1, 2, 3}));
      assertEquals(3, accepted.receive(Duration.ofSeconds(5)).remaining());
    }
  }

  @Test
  void wrongSecretIsRefusedAndLearnsNothing() throws Exception {
    try (ChannelServer server = Channels.listen("tcp://127.0.0.1:0?secret=right")) {
      String wrong = server.uri().replace("secret=right", "secret=wrong");
      var e = assertThrows(IpcException.class, () -> Channels.open(wrong).close());
      assertFalse(e.getMessage().contains("right"), "the secret must never appear in an error");
      assertNull(server.accept(Duration.ofMillis(300)));

      // a raw peer that sends a hello and a bogus proof gets the server hello and then EOF
      URI u = URI.create(server.uri());
      try (SocketChannel raw = SocketChannel.open(new InetSocketAddress(u.getHost(), u.getPort()))) {
        raw.write(dev.ipckit.stream.Handshake.hello(1024, true, new byte[16]));
        raw.write(ByteBuffer.allocate(32));
        ByteBuffer in = ByteBuffer.allocate(1024);
        int total = 0;
        raw.socket().setSoTimeout(5000);
        var stream = raw.socket().getInputStream();
        int n;
        while ((n = stream.read(in.array(), total, in.capacity() - total)) > 0) {
          total += n;
        }
        assertEquals(dev.ipckit.stream.Handshake.HELLO_SIZE, total, "only the hello, no proof, no data");
      }
      try (Channel ok = Channels.open(server.uri())) {
        assertNotNull(server.accept(Duration.ofSeconds(5)), "the server keeps serving");
      }
    }
  }

  @Test
  void missingSecretIsExplained() throws Exception {
    try (ChannelServer server = Channels.listen("tcp://127.0.0.1:0?secret=x")) {
      String plain = server.uri().replace("?secret=x", "");
      var e = assertThrows(IpcException.class, () -> Channels.open(plain).close());
      assertTrue(e.getMessage().contains("requires a shared secret"), e.getMessage());
    }
  }

  @Test
  void noServerIsAClearError() throws Exception {
    int port;
    try (var s = java.nio.channels.ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0))) {
      port = ((InetSocketAddress) s.getLocalAddress()).getPort();
    }
    var e = assertThrows(IpcException.class, () -> Channels.open("tcp://127.0.0.1:" + port));
    assertTrue(e.getMessage().contains("cannot connect to tcp://127.0.0.1:" + port), e.getMessage());
  }

  @Test
  void clientReconnectsWithBackoffToARestartedServer() throws Exception {
    ChannelServer first = Channels.listen("tcp://127.0.0.1:0");
    String uri = first.uri();
    try (Channel client = Channels.open(uri + "?retry=20ms&maxRetries=50")) {
      Channel a = first.accept(Duration.ofSeconds(5));
      client.send(ByteBuffer.wrap(new byte[] {1}));
      assertEquals(1, a.receive(Duration.ofSeconds(5)).get());
      first.close();
      try (ChannelServer second = Channels.listen(uri)) {
        // the client notices the loss on its next operation and reconnects on its own
        assertThrows(ChannelClosedException.class, () -> a.receive(Duration.ofMillis(10)));
        Channel b = null;
        for (int i = 0; i < 100 && b == null; i++) {
          try {
            client.send(ByteBuffer.wrap(new byte[] {2}));
            client.flush();
          } catch (IpcException retried) {
            // a send can race the loss; the next one goes through the new connection
          }
          b = second.accept(Duration.ofMillis(100));
        }
        assertNotNull(b, "client did not reconnect");
        ByteBuffer m = b.receive(Duration.ofSeconds(5));
        assertNotNull(m);
        assertEquals(2, m.get());
      }
    }
  }

  @Test
  void unknownOptionNamesTheKnownOnes() {
    var e = assertThrows(InvalidChannelUriException.class, () -> Channels.listen("tcp://127.0.0.1:0?maxMesage=1MiB"));
    assertTrue(e.getMessage().contains("unknown option 'maxMesage'"), e.getMessage());
    assertTrue(e.getMessage().contains("maxMessage"), e.getMessage());
  }

  @Test
  void unknownSchemeListsTheKnownOnes() {
    var e = assertThrows(TransportUnavailableException.class, () -> Channels.open("tpc://127.0.0.1:1"));
    assertTrue(e.getMessage().contains("unknown scheme 'tpc'"), e.getMessage());
    assertTrue(e.getMessage().contains("tcp") && e.getMessage().contains("unix"), e.getMessage());
  }

  @Test
  void portIsRequired() {
    var e = assertThrows(InvalidChannelUriException.class, () -> Channels.open("tcp://127.0.0.1"));
    assertTrue(e.getMessage().contains("port"), e.getMessage());
  }
}
