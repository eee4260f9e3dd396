package dev.ipckit.shm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ipckit.Channel;
import dev.ipckit.ChannelClosedException;
import dev.ipckit.ChannelServer;
import dev.ipckit.Channels;
import dev.ipckit.tests.PeerMain;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** shm: between this JVM and a child JVM: order and checksums, close, a killed or frozen peer. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ShmCrossProcessTest {
  @TempDir
  Path tmp;
  private Process child;

  @AfterEach
  void stopTheChildAndCheckForLeftovers() throws Exception {
    if (child != null) {
      child.destroyForcibly();
      assertTrue(child.waitFor(10, TimeUnit.SECONDS), "the child JVM did not die");
    }
    ShmTestSupport.assertNothingLeftIn(tmp);
  }

  private String uri(String options) {
    return "shm:" + tmp.resolve("server") + (options.isEmpty() ? "" : "?" + options);
  }

  private Channel startChild(ChannelServer server, Class<?> main, String... mode) throws Exception {
    String[] args = new String[mode.length + 1];
    args[0] = server.uri();
    System.arraycopy(mode, 0, args, 1, mode.length);
    child = ShmTestSupport.startChild(main, args);
    Channel c = server.accept(Duration.ofSeconds(30));
    assertNotNull(c, "the child JVM did not connect within 30 s; alive=" + child.isAlive());
    return c;
  }

  @Test
  void fiftyThousandMessagesOfRandomSizesMakeARoundTripThroughAChildInOrder() throws Exception {
    try (ChannelServer server = Channels.listen(uri(""));
         Channel ch = startChild(server, PeerMain.class, "echo")) {
      int n = 50_000;
      CompletableFuture<Void> sending = CompletableFuture.runAsync(() -> {
        SplittableRandom r = new SplittableRandom(1);
        try {
          for (int i = 0; i < n; i++) {
            ch.send(message(i, r));
          }
        } catch (Exception e) {
          throw new RuntimeException(e);
        }
      });
      SplittableRandom r = new SplittableRandom(1);
      for (int i = 0; i < n; i++) {
        ByteBuffer m = ch.receive(Duration.ofSeconds(10));
        assertNotNull(m, "echo " + i + " did not come back");
        assertEquals(message(i, r), m, "echo " + i);
      }
      sending.get(10, TimeUnit.SECONDS);
      ch.close();
      assertEquals(0, child.waitFor(10, TimeUnit.SECONDS) ? child.exitValue() : -1,
          "the echoing child sees our close and exits normally");
    }
  }

  @Test
  void aChildThatClosesIsSeenPromptly() throws Exception {
    try (ChannelServer server = Channels.listen(uri(""));
         Channel ch = startChild(server, PeerMain.class, "close")) {
      long t0 = System.nanoTime();
      assertThrows(ChannelClosedException.class, () -> ch.receive(Duration.ofSeconds(10)));
      assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(1), "a close is seen within a second");
      assertTrue(child.waitFor(10, TimeUnit.SECONDS));
      assertEquals(0, child.exitValue());
    }
  }

  @Test
  void aSigkilledPeerEndsAPendingReceiveAndLaterSendsFail() throws Exception {
    try (ChannelServer server = Channels.listen(uri(""));
         Channel ch = startChild(server, PeerMain.class, "hold")) {
      CompletableFuture<Object> pending = pendingReceive(ch);
      Thread.sleep(300);
      child.destroyForcibly(); // SIGKILL: no goodbye
      long killedAt = System.nanoTime();
      Object outcome = pending.get(10, TimeUnit.SECONDS);
      long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
      assertInstanceOf(ChannelClosedException.class, outcome);
      assertTrue(((Exception) outcome).getMessage().contains("gone"), ((Exception) outcome).getMessage());
      // same pid namespace: the next beat (250 ms) sees the process gone, long before peerTimeout
      assertTrue(ms < 2000, "noticed the killed peer after " + ms + " ms");
      assertThrows(ChannelClosedException.class, () -> ch.send(new byte[10]));
      assertFalse(ch.isOpen());
    }
  }

  @Test
  void aFrozenPeerIsLostAfterPeerTimeoutThroughTheHeartbeatAlone() throws Exception {
    try (ChannelServer server = Channels.listen(uri("heartbeat=100ms&peerTimeout=1s"));
         Channel ch = startChild(server, PeerMain.class, "hold")) {
      ch.send(new byte[1]);
      CompletableFuture<Object> pending = pendingReceive(ch);
      Thread.sleep(300);
      // SIGSTOP: the process is still there, so only its silent heartbeat can tell
      assertEquals(0, new ProcessBuilder("kill", "-STOP", String.valueOf(child.pid())).start().waitFor(),
          "kill -STOP (procps) must be on PATH");
      long stoppedAt = System.nanoTime();
      Object outcome = pending.get(10, TimeUnit.SECONDS);
      long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stoppedAt);
      assertInstanceOf(ChannelClosedException.class, outcome);
      assertTrue(((Exception) outcome).getMessage().contains("no heartbeat"), ((Exception) outcome).getMessage());
      // its last beat may have come up to one heartbeat (100 ms) before the stop
      assertTrue(ms >= 800 && ms < 3000, "a peer silent for peerTimeout=1s was noticed after " + ms + " ms");
    }
  }

  @Test
  void aWriterKilledMidStreamLeavesEveryCompleteMessageAndNoTornOne() throws Exception {
    int killAt = 5_000; // about 20 MiB of large messages among them
    // room for 64 MiB unread: the writer does not wait for this reader, so it is writing when killed,
    // and often in the middle of a large message
    try (ChannelServer server = Channels.listen(uri("sendBuffer=64MiB"));
         Channel ch = startChild(server, StreamingPeer.class)) {
      long next = 0;
      try {
        while (true) {
          ByteBuffer m = ch.receive(Duration.ofSeconds(10));
          assertNotNull(m, next < killAt ? "the writer stalled at " + next
              : "neither a message nor the close within 10 s of the kill (" + next + " received)");
          assertEquals(next++, StreamingPeer.check(m), "every message in order, whole");
          if (next == killAt) {
            child.destroyForcibly(); // SIGKILL, while this side keeps reading
          }
        }
      } catch (ChannelClosedException expected) {
        assertTrue(next >= killAt, "the channel ended before the kill, after " + next + " messages");
        assertTrue(expected.getMessage().contains("gone"), expected.getMessage());
      }
      assertTrue(child.waitFor(10, TimeUnit.SECONDS));
    }
  }

  private static CompletableFuture<Object> pendingReceive(Channel ch) {
    return CompletableFuture.supplyAsync(() -> {
      try {
        return ch.receive(Duration.ofSeconds(30));
      } catch (Exception e) {
        return e;
      }
    });
  }

  static ByteBuffer message(int i, SplittableRandom r) {
    int size = r.nextInt(2048);
    ByteBuffer b = ByteBuffer.allocate(size + 12);
    b.putInt(i);
    for (int k = 0; k < size; k++) {
      b.put((byte) r.nextInt());
    }
    CRC32 crc = new CRC32();
    crc.update(b.array(), 0, size + 4);
    b.putLong(crc.getValue());
    return b.flip();
  }
}
