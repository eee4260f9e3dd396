package dev.ipckit.socket;

import static org.junit.jupiter.api.Assertions.*;

import dev.ipckit.Channel;
import dev.ipckit.ChannelServer;
import dev.ipckit.Channels;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30)
class SocketSmokeTest {
  @TempDir Path dir;

  @Test
  void unixRoundTrip() throws Exception {
    roundTrip("unix://" + dir.resolve("a.sock"));
    assertFalse(Files.exists(dir.resolve("a.sock")));
  }

  @Test
  void tcpRoundTrip() throws Exception {
    roundTrip("tcp://127.0.0.1:0");
  }

  private void roundTrip(String uri) throws Exception {
    try (ChannelServer server = Channels.listen(uri);
        Channel client = Channels.open(server.uri());
        Channel accepted = server.accept(Duration.ofSeconds(5))) {
      assertNotNull(accepted);
      for (int i = 0; i < 1000; i++) {
        client.send(ByteBuffer.wrap(("hello " + i).getBytes()));
      }
      for (int i = 0; i < 1000; i++) {
        ByteBuffer m = accepted.receive(Duration.ofSeconds(5));
        assertNotNull(m, "message " + i);
        assertEquals("hello " + i, new String(m.array()));
        accepted.send(m);
        assertEquals("hello " + i, new String(client.receive(Duration.ofSeconds(5)).array()));
      }
      byte[] big = new byte[16 << 20];
      big[12345] = 7;
      var received = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
        try {
          return accepted.receive(Duration.ofSeconds(10));
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });
      client.send(ByteBuffer.wrap(big));
      ByteBuffer m = received.get();
      assertEquals(big.length, m.remaining());
      assertEquals(7, m.get(12345));
      client.close();
      assertThrows(dev.ipckit.ChannelClosedException.class, () -> accepted.receive(Duration.ofSeconds(2)));
    }
  }
}
