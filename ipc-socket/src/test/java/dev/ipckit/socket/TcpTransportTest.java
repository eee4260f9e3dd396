package dev.ipckit.socket;

import static org.junit.jupiter.api.Assertions.*;

import dev.ipckit.Channel;
import dev.ipckit.ChannelClosedException;
import dev.ipckit.ChannelServer;
import dev.ipckit.Channels;
import dev.ipckit.InvalidChannelUriException;
import dev.ipckit.IpcException;
import dev.ipckit.TransportUnavailableException;
import dev.ipckit.tests.LeakCheck;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
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

  /**
   * A server runs 8 handshakes at once and queues the connections behind them; closing it must
   * close the queued ones too (they were dropped unclosed: a socket each for the JVM's life).
   */
  @Test
  void closingAServerEndsTheConnectionsQueuedForAHandshake() throws Exception {
    int before = LeakCheck.fdCount();
    ChannelServer server = Channels.listen("tcp://127.0.0.1:0?handshakeTimeout=20s");
    URI u = URI.create(server.uri());
    int socketsBefore = sockets();
    List<Socket> silent = new ArrayList<>();
    try {
      for (int i = 0; i < 20; i++) {
        silent.add(new Socket(u.getHost(), u.getPort()));
      }
      // each client's socket and the server's end of it, once the accept thread took them all
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (sockets() < socketsBefore + 40 && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertTrue(sockets() >= socketsBefore + 40, "the server did not accept 20 connections within 10 s");
      server.close();
      int open = 0;
      long ended = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      for (Socket s : silent) {
        s.setSoTimeout((int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(ended - System.nanoTime())));
        try {
          while (s.getInputStream().read() >= 0) {
            // the server's hello, for the connections that had a handshake thread
          }
        } catch (SocketTimeoutException e) {
          open++;
        } catch (IOException e) {
          // reset: ended too
        }
      }
      assertEquals(0, open, "connections still open 10 s after the server was closed, of 20 waiting for their handshake");
    } finally {
      server.close();
      for (Socket s : silent) {
        s.close();
      }
    }
    assertEquals(before, LeakCheck.fdCount(), "socket/pipe descriptors after everything was closed: " + LeakCheck.fdKinds());
  }

  private static int sockets() {
    return LeakCheck.fdKinds().getOrDefault("socket", 0);
  }
}
