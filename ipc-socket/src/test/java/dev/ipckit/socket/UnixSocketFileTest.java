package dev.ipckit.socket;

import static org.junit.jupiter.api.Assertions.*;

import dev.ipckit.Channel;
import dev.ipckit.ChannelServer;
import dev.ipckit.Channels;
import dev.ipckit.InvalidChannelUriException;
import dev.ipckit.IpcException;
import dev.ipckit.PeerCredentials;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.newsclub.net.unix.AFUNIXServerSocketChannel;
import org.newsclub.net.unix.AFUNIXSocketAddress;

/** What unix:// promises about its socket file and its peers, beyond the conformance suite. */
@Timeout(30)
class UnixSocketFileTest {
  @TempDir Path dir;

  @Test
  void socketFileIsOwnerOnlyAndRemovedOnClose() throws Exception {
    Path sock = dir.resolve("a.sock");
    try (ChannelServer server = Channels.listen("unix://" + sock)) {
      assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(sock)));
      try (Channel c = Channels.open(server.uri())) {
        assertNotNull(server.accept(Duration.ofSeconds(5)));
      }
    }
    assertFalse(Files.exists(sock), "socket file left behind");
  }

  @Test
  void groupModeOnRequest() throws Exception {
    Path sock = dir.resolve("g.sock");
    try (ChannelServer server = Channels.listen("unix://" + sock + "?mode=0660")) {
      assertEquals("rw-rw----", PosixFilePermissions.toString(Files.getPosixFilePermissions(sock)));
    }
  }

  @Test
  void modeThatOpensToOthersIsRefused() {
    var e = assertThrows(InvalidChannelUriException.class,
        () -> Channels.listen("unix://" + dir.resolve("o.sock") + "?mode=0666"));
    assertTrue(e.getMessage().contains("mode=0666"), e.getMessage());
  }

  @Test
  void staleFileOfADeadServerIsReplaced() throws Exception {
    Path sock = dir.resolve("stale.sock");
    // a server that died: its file stays, nobody listens
    AFUNIXServerSocketChannel dead = AFUNIXServerSocketChannel.open();
    dead.socket().setDeleteOnClose(false);
    dead.bind(AFUNIXSocketAddress.of(sock));
    dead.close();
    assertTrue(Files.exists(sock));
    try (ChannelServer server = Channels.listen("unix://" + sock);
        Channel c = Channels.open(server.uri())) {
      Channel accepted = server.accept(Duration.ofSeconds(5));
      c.send(ByteBuffer.wrap(new byte[] {42}));
      assertEquals(42, accepted.receive(Duration.ofSeconds(5)).get());
    }
  }

  @Test
  void liveServerIsNeverStolen() throws Exception {
    Path sock = dir.resolve("live.sock");
    try (ChannelServer first = Channels.listen("unix://" + sock)) {
      var e = assertThrows(IpcException.class, () -> Channels.listen("unix://" + sock));
      assertTrue(e.getMessage().contains("another server is live"), e.getMessage());
      try (Channel c = Channels.open(first.uri())) {
        assertNotNull(first.accept(Duration.ofSeconds(5)), "first server must still serve");
      }
    }
  }

  @Test
  void aPathThatIsNotASocketIsLeftAlone() throws Exception {
    Path file = Files.writeString(dir.resolve("data.txt"), "keep me");
    var e = assertThrows(IpcException.class, () -> Channels.listen("unix://" + file));
    assertTrue(e.getMessage().contains("not a socket"), e.getMessage());
    assertEquals("keep me", Files.readString(file));
  }

  @Test
  void directoryWritableByOthersIsRefused() throws Exception {
    Path open = Files.createDirectory(dir.resolve("open"));
    Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
    var e = assertThrows(IpcException.class, () -> Channels.listen("unix://" + open.resolve("x.sock")));
    assertTrue(e.getMessage().contains("writable by other users"), e.getMessage());
  }

  @Test
  void relativePathIsAnInvalidUri() {
    var e = assertThrows(InvalidChannelUriException.class, () -> Channels.listen("unix:relative.sock"));
    assertTrue(e.getMessage().contains("absolute socket path"), e.getMessage());
  }

  @Test
  void peerCredentialsComeFromTheKernel() throws Exception {
    Path sock = dir.resolve("cred.sock");
    long myUid = ((Number) Files.getAttribute(dir, "unix:uid")).longValue();
    try (ChannelServer server = Channels.listen("unix://" + sock);
        Channel c = Channels.open(server.uri())) {
      Channel accepted = server.accept(Duration.ofSeconds(5));
      PeerCredentials seenByServer = accepted.peerCredentials().orElseThrow();
      PeerCredentials seenByClient = c.peerCredentials().orElseThrow();
      assertEquals(ProcessHandle.current().pid(), seenByServer.pid());
      assertEquals(myUid, seenByServer.uid());
      assertEquals(ProcessHandle.current().pid(), seenByClient.pid());
    }
  }

  @Test
  void uidOutsideTheAllowListIsRefusedAndTheServerGoesOn() throws Exception {
    Path sock = dir.resolve("allow.sock");
    try (ChannelServer server = Channels.listen("unix://" + sock + "?allowUid=4242424")) {
      assertThrows(IpcException.class, () -> Channels.open("unix://" + sock + "?connectTimeout=2s").close());
      assertNull(server.accept(Duration.ofMillis(300)), "a refused peer must not be accepted");
    }
    long myUid = ((Number) Files.getAttribute(dir, "unix:uid")).longValue();
    try (ChannelServer server = Channels.listen("unix://" + sock + "?allowUid=4242424," + myUid);
        Channel c = Channels.open("unix://" + sock)) {
      assertNotNull(server.accept(Duration.ofSeconds(5)));
    }
  }
}
