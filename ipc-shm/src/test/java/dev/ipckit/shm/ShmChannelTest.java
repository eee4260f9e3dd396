package dev.ipckit.shm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ipckit.Channel;
import dev.ipckit.ChannelClosedException;
import dev.ipckit.ChannelServer;
import dev.ipckit.Channels;
import dev.ipckit.IpcException;
import dev.ipckit.MessageTooLargeException;
import dev.ipckit.SendTimeoutException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** shm: between threads of this JVM: the contract's basics, close, backpressure and clean-up. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ShmChannelTest {
  @TempDir
  Path tmp;

  @AfterEach
  void nothingIsLeftBehind() throws Exception {
    ShmTestSupport.assertNothingLeftIn(tmp);
  }

  private String uri(String options) {
    return "shm:" + tmp.resolve("server") + (options.isEmpty() ? "" : "?" + options);
  }

  @Test
  void messagesOfEverySizeArriveIdenticalInBothDirections() throws Exception {
    try (ChannelServer server = Channels.listen(uri(""));
         Channel client = Channels.open(server.uri());
         Channel accepted = server.accept(Duration.ofSeconds(5))) {
      assertNotNull(accepted);
      for (int size : new int[] {0, 1, 100, 64 << 10, 1 << 20, 16 << 20}) {
        byte[] m = bytes(size, size);
        client.send(m);
        assertArrayEquals(m, array(accepted.receive(Duration.ofSeconds(5))), size + " bytes to the server");
        accepted.send(m);
        assertArrayEquals(m, array(client.receive(Duration.ofSeconds(5))), size + " bytes to the client");
      }
      client.send(new byte[] {1, 2, 3});
      List<byte[]> got = new ArrayList<>();
      assertEquals(1, accepted.poll(b -> {
        assertTrue(b.isReadOnly());
        got.add(array(b));
      }, 10, Duration.ofSeconds(5)));
      assertArrayEquals(new byte[] {1, 2, 3}, got.get(0));
    }
  }

  @Test
  void aHandlerEchoesTheMessageItWasHandedFromAnyPartOfIt() throws Exception {
    try (ChannelServer server = Channels.listen(uri(""));
         Channel client = Channels.open(server.uri());
         Channel accepted = server.accept(Duration.ofSeconds(5))) {
      assertNotNull(accepted);
      for (int size : new int[] {1, 100, 10_000}) { // the last one grows the poll buffer
        byte[] m = bytes(size, size);
        client.send(m);
        // the whole message, then its second half sliced and positioned as a handler may pass it on
        assertEquals(1, accepted.poll(b -> {
          try {
            accepted.send(b);
            accepted.send(b.position(b.position() + size / 2));
          } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        }, 1, Duration.ofSeconds(5)));
        assertArrayEquals(m, array(client.receive(Duration.ofSeconds(5))), size + " bytes echoed");
        assertArrayEquals(java.util.Arrays.copyOfRange(m, size / 2, size),
            array(client.receive(Duration.ofSeconds(5))), "the second half of " + size + " bytes echoed");
      }
    }
  }

  @Test
  void aClientMaySendBeforeTheServerAccepts() throws Exception {
    try (ChannelServer server = Channels.listen(uri(""));
         Channel client = Channels.open(server.uri())) {
      client.send("early".getBytes());
      try (Channel accepted = server.accept(Duration.ofSeconds(5))) {
        assertEquals("early", new String(array(accepted.receive(Duration.ofSeconds(5)))));
      }
    }
  }

  @Test
  void closeIsSeenPromptlyAfterEveryMessageSentBeforeIt() throws Exception {
    try (ChannelServer server = Channels.listen(uri(""))) {
      Channel client = Channels.open(server.uri());
      Channel accepted = server.accept(Duration.ofSeconds(5));
      for (int i = 0; i < 100; i++) {
        client.send(new byte[] {(byte) i});
      }
      client.close();
      client.close(); // idempotent
      assertThrows(ChannelClosedException.class, () -> client.send(new byte[1]));
      for (int i = 0; i < 100; i++) {
        assertEquals(i, accepted.receive(Duration.ofSeconds(1)).get());
      }
      long t0 = System.nanoTime();
      assertThrows(ChannelClosedException.class, () -> accepted.receive(Duration.ofSeconds(5)));
      assertTrue(System.nanoTime() - t0 < TimeUnit.MILLISECONDS.toNanos(500));
      assertFalse(accepted.isOpen());
      assertThrows(ChannelClosedException.class, () -> accepted.send(new byte[1]));
      accepted.close();
      assertFalse(Files.exists(((ShmChannel) accepted).directory()), "both sides closed: files removed");
    }
    assertFalse(Files.exists(tmp.resolve("server")), "the server removes the directory it created");
  }

  @Test
  void aReceiveBlockedInAnotherThreadEndsWhenTheChannelIsClosed() throws Exception {
    try (ChannelServer server = Channels.listen(uri(""));
         Channel client = Channels.open(server.uri());
         Channel accepted = server.accept(Duration.ofSeconds(5))) {
      CompletableFuture<Object> blocked = CompletableFuture.supplyAsync(() -> {
        try {
          return accepted.receive(Duration.ofSeconds(30));
        } catch (Exception e) {
          return e;
        }
      });
      Thread.sleep(200);
      accepted.close();
      assertInstanceOf(ChannelClosedException.class, blocked.get(2, TimeUnit.SECONDS));
      assertThrows(ChannelClosedException.class, () -> client.receive(Duration.ofSeconds(2)));
    }
  }

  @Test
  void theDefaultSendBufferHoldsEightMebibytesUnread() throws Exception {
    try (ChannelServer server = Channels.listen(uri("sendTimeout=300ms"));
         Channel client = Channels.open(server.uri());
         Channel accepted = server.accept(Duration.ofSeconds(5))) {
      int sent = 0;
      try {
        for (; sent < 200; sent++) {
          client.send(bytes(64 << 10, sent));
        }
      } catch (SendTimeoutException e) {
        // the bound
      }
      assertEquals(128, sent, "64 KiB messages a reader that reads nothing lets through (8 MiB)");
      assertArrayEquals(bytes(64 << 10, 0), array(accepted.receive(Duration.ofSeconds(1))));
    }
  }

  @Test
  void aSlowReceiverBoundsTheSenderWhichTimesOutAndLosesNothing() throws Exception {
    try (ChannelServer server = Channels.listen(uri("sendBuffer=64KiB&sendTimeout=300ms"));
         Channel client = Channels.open(server.uri());
         Channel accepted = server.accept(Duration.ofSeconds(5))) {
      int sent = 0;
      SendTimeoutException timeout = null;
      long t0 = 0;
      while (sent < 1000) {
        t0 = System.nanoTime();
        try {
          client.send(bytes(4096, sent));
        } catch (SendTimeoutException e) {
          timeout = e;
          break;
        }
        sent++;
      }
      assertNotNull(timeout, "64 KiB of sendBuffer cannot hold 4 MB");
      long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      assertTrue(waited >= 250 && waited < 3000, "waited " + waited + " ms with sendTimeout=300ms");
      assertTrue(sent >= 15 && sent <= 17, "4 KiB messages accepted in 64 KiB: " + sent);
      for (int i = 0; i < sent; i++) {
        assertArrayEquals(bytes(4096, i), array(accepted.receive(Duration.ofSeconds(1))));
      }
      assertNull(accepted.receive(Duration.ofMillis(100)));
      client.send(bytes(4096, 99)); // room again
      assertArrayEquals(bytes(4096, 99), array(accepted.receive(Duration.ofSeconds(1))));
    }
  }

  @Test
  void oversizeMessagesFailBeforeAnythingIsSentAndTheChannelStaysUsable() throws Exception {
    try (ChannelServer server = Channels.listen(uri("maxMessage=1KiB"));
         Channel client = Channels.open(server.uri());
         Channel accepted = server.accept(Duration.ofSeconds(5))) {
      MessageTooLargeException e = assertThrows(MessageTooLargeException.class, () -> client.send(new byte[1025]));
      assertTrue(e.getMessage().contains("1025") && e.getMessage().contains("1024"), e.getMessage());
      client.send(new byte[1024]);
      assertEquals(1024, accepted.receive(Duration.ofSeconds(1)).remaining());
    }
  }

  @Test
  void theSmallerOfTheTwoLimitsApplies() throws Exception {
    try (ChannelServer server = Channels.listen(uri("maxMessage=1KiB"));
         Channel client = Channels.open(server.uri().replace("maxMessage=1KiB", "maxMessage=4KiB"));
         Channel accepted = server.accept(Duration.ofSeconds(5))) {
      MessageTooLargeException e = assertThrows(MessageTooLargeException.class, () -> client.send(new byte[2048]));
      assertEquals(1024, e.limit(), "the server's limit bounds what the client sends it");
      client.send(new byte[1024]);
      assertEquals(1024, accepted.receive(Duration.ofSeconds(1)).remaining());
    }
  }

  @Test
  void twoServersCannotShareADirectoryAndNoServerMeansConnectionRefused() throws Exception {
    IpcException refused = assertThrows(IpcException.class, () -> Channels.open(uri("")));
    assertTrue(refused.getMessage().contains("connection refused"), refused.getMessage());
    try (ChannelServer server = Channels.listen(uri(""))) {
      IpcException inUse = assertThrows(IpcException.class, () -> Channels.listen(uri("")));
      assertTrue(inUse.getMessage().contains("address in use"), inUse.getMessage());
    }
    try (ChannelServer again = Channels.listen(uri(""))) {
      assertNotNull(again); // the closed server's directory is free again
    }
  }

  @Test
  void broadcastReachesEveryClient() throws Exception {
    try (ChannelServer server = Channels.listen(uri(""));
         Channel a = Channels.open(server.uri());
         Channel b = Channels.open(server.uri())) {
      assertNotNull(server.accept(Duration.ofSeconds(5)));
      assertNotNull(server.accept(Duration.ofSeconds(5)));
      assertNull(server.accept(Duration.ofMillis(50)));
      assertEquals(2, server.broadcast(ByteBuffer.wrap("all".getBytes())));
      assertEquals("all", new String(array(a.receive(Duration.ofSeconds(1)))));
      assertEquals("all", new String(array(b.receive(Duration.ofSeconds(1)))));
    }
  }

  @Test
  void badUrisAreRefusedWithTheReason() {
    String dir = tmp.resolve("server").toString();
    for (String[] bad : new String[][] {
        {"shm:relative/dir", "absolute directory"},
        {"shm:" + dir + "?heartbeat=1s&peerTimeout=1s", "at least twice heartbeat"},
        {"shm:" + dir + "?wait=fast", "not backoff or busy"},
        {"shm:" + dir + "?rollCycle=never", "rollCycle=never"},
        {"shm:" + dir + "?colour=blue", "unknown option 'colour'"},
        {"shm:" + dir + "?start=middle", "start=middle"}}) {
      IpcException e = assertThrows(IpcException.class, () -> Channels.listen(bad[0]), bad[0]);
      assertTrue(e.getMessage().contains(bad[1]), bad[0] + ": " + e.getMessage());
    }
  }

  @Test
  void aDirectoryOtherUsersCanWriteIsRefused() throws Exception {
    Path open = Files.createDirectory(tmp.resolve("open"));
    Files.setPosixFilePermissions(open, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
    IpcException e = assertThrows(IpcException.class, () -> Channels.listen("shm:" + open));
    assertTrue(e.getMessage().contains("writable by other users"), e.getMessage());
    IpcException log = assertThrows(IpcException.class, () -> Channels.open("shm:" + open + "?log"));
    assertTrue(log.getMessage().contains("writable by other users"), log.getMessage());
    Files.delete(open);
    try (ChannelServer server = Channels.listen(uri(""))) {
      assertEquals("rwx------", java.nio.file.attribute.PosixFilePermissions.toString(
          Files.getPosixFilePermissions(tmp.resolve("server"))), "a directory ipckit creates is private");
    }
  }

  static byte[] bytes(int size, long seed) {
    byte[] b = new byte[size];
    SplittableRandom r = new SplittableRandom(seed);
    for (int i = 0; i < size; i++) {
      b[i] = (byte) r.nextInt();
    }
    return b;
  }

  static byte[] array(ByteBuffer b) {
    assertNotNull(b, "no message");
    byte[] a = new byte[b.remaining()];
    b.duplicate().get(a);
    return a;
  }
}
