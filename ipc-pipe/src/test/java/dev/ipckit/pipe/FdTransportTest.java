package dev.ipckit.pipe;

import static org.junit.jupiter.api.Assertions.*;

import dev.ipckit.Capability;
import dev.ipckit.Channel;
import dev.ipckit.ChannelClosedException;
import dev.ipckit.Channels;
import dev.ipckit.InvalidChannelUriException;
import dev.ipckit.IpcException;
import dev.ipckit.TransportUnavailableException;
import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import dev.ipckit.ProtocolException;
import dev.ipckit.pipe.internal.Fds;
import dev.ipckit.pipe.internal.LibC;
import dev.ipckit.tests.RawPeer;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** fd: in one process: both ends of a socketpair opened by number, and the errors of bad descriptors. */
@Timeout(30)
class FdTransportTest {

  @Test
  void bothEndsOfASocketpairTalkThroughFd() throws Exception {
    int[] sv = Fds.socketPair();
    CompletableFuture<Channel> other = CompletableFuture.supplyAsync(() -> {
      try {
        return Channels.open("fd:" + sv[1]);
      } catch (Exception e) {
        throw new RuntimeException(e);
      }
    });
    try (Channel a = Channels.open("fd:" + sv[0]); Channel b = other.get()) {
      assertTrue(a.capabilities().has(Capability.PEER_CREDENTIALS));
      assertEquals(ProcessHandle.current().pid(), a.peerCredentials().orElseThrow().pid());
      a.send(new byte[] {1, 2, 3});
      assertArrayEquals(new byte[] {1, 2, 3}, array(b.receive(Duration.ofSeconds(5))));
      b.send(new byte[0]);
      assertEquals(0, a.receive(Duration.ofSeconds(5)).remaining(), "the empty message");
      byte[] big = new byte[3 << 20];
      big[big.length - 1] = 9;
      CompletableFuture<ByteBuffer> got = CompletableFuture.supplyAsync(() -> {
        try {
          return b.receive(Duration.ofSeconds(10));
        } catch (Exception e) {
          throw new RuntimeException(e);
        }
      });
      a.send(big);
      assertArrayEquals(big, array(got.get()));
      a.close();
      assertThrows(ChannelClosedException.class, () -> b.receive(Duration.ofSeconds(2)));
    }
  }

  @Test
  void aDescriptorThatIsNotOpenIsNamed() {
    TransportUnavailableException e = assertThrows(TransportUnavailableException.class, () -> Channels.open("fd:987"));
    assertTrue(e.getMessage().contains("file descriptor 987 is not open in this process"), e.getMessage());
  }

  @Test
  void aPipeIsNotASocket() throws Exception {
    int[] p = Fds.pipe();
    try {
      IpcException e = assertThrows(IpcException.class, () -> Channels.open("fd:" + p[0]));
      assertTrue(e.getMessage().contains("is not a socket but pipe:"), e.getMessage());
    } finally {
      Fds.closeAll(p);
    }
  }

  @Test
  void addressesAreCheckedAndThereIsNoServer() {
    assertThrows(InvalidChannelUriException.class, () -> Channels.open("fd:three"));
    assertThrows(InvalidChannelUriException.class, () -> Channels.open("fd:-1"));
    TransportUnavailableException e = assertThrows(TransportUnavailableException.class,
        () -> Channels.open("fd:env:IPCKIT_TEST_SURELY_UNSET"));
    assertTrue(e.getMessage().contains("IPCKIT_TEST_SURELY_UNSET is not set"), e.getMessage());
    e = assertThrows(TransportUnavailableException.class, () -> Channels.listen("fd:3"));
    assertTrue(e.getMessage().contains("fd: has no server side"), e.getMessage());
  }

  @Test
  void garbageInsteadOfAHelloFailsTheOpen() throws Exception {
    int[] sv = Fds.socketPair();
    try {
      writeRaw(sv[1], "GET / HTTP/1.1\r\nHost: example\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      ProtocolException e = assertThrows(ProtocolException.class, () -> Channels.open("fd:" + sv[0]));
      assertTrue(e.getMessage().contains("not an ipckit peer at fd:" + sv[0]), e.getMessage());
    } finally {
      Fds.close(sv[1]);
    }
  }

  @Test
  void anImpossibleFrameLengthOrATruncatedFrameIsAProtocolError() throws Exception {
    for (boolean truncated : new boolean[] {false, true}) {
      int[] sv = Fds.socketPair();
      writeRaw(sv[1], RawPeer.hello(16 << 20));
      try (Channel ch = Channels.open("fd:" + sv[0])) {
        readRaw(sv[1], RawPeer.HELLO_SIZE); // unread bytes would turn our close into a reset
        writeRaw(sv[1], RawPeer.frame("ok".getBytes(StandardCharsets.UTF_8)));
        writeRaw(sv[1], truncated ? new byte[] {0, 0, 0, 100, 1, 2, 3} : RawPeer.length(Integer.MAX_VALUE));
        if (truncated) {
          Fds.close(sv[1]);
        }
        assertEquals("ok", StandardCharsets.UTF_8.decode(ch.receive(Duration.ofSeconds(5))).toString());
        ProtocolException e = assertThrows(ProtocolException.class, () -> ch.receive(Duration.ofSeconds(5)));
        assertTrue(e.getMessage().contains(truncated ? "truncated frame" : String.valueOf(Integer.MAX_VALUE)),
            e.getMessage());
        assertFalse(ch.isOpen());
      } finally {
        if (!truncated) {
          Fds.close(sv[1]);
        }
      }
    }
  }

  private static void writeRaw(int fd, byte[] bytes) {
    try (Memory m = new Memory(bytes.length)) {
      m.write(0, bytes, 0, bytes.length);
      assertEquals(bytes.length, LibC.write(fd, Pointer.nativeValue(m), bytes.length));
    }
  }

  private static void readRaw(int fd, int n) {
    try (Memory m = new Memory(n)) {
      long got = 0;
      while (got < n) {
        long r = LibC.read(fd, Pointer.nativeValue(m) + got, n - got);
        assertTrue(r > 0, "read from the raw end");
        got += r;
      }
    }
  }

  private static byte[] array(ByteBuffer b) {
    byte[] a = new byte[b.remaining()];
    b.get(a);
    return a;
  }
}
