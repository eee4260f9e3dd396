package dev.ipckit.socket;

import dev.ipckit.ChannelUri;
import dev.ipckit.InvalidChannelUriException;
import dev.ipckit.IpcException;
import dev.ipckit.PeerCredentials;
import dev.ipckit.stream.LinkAcceptor;
import dev.ipckit.stream.StreamTransport;
import dev.ipckit.stream.UnixSocketLink;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import org.newsclub.net.unix.AFUNIXServerSocketChannel;
import org.newsclub.net.unix.AFUNIXSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;
import org.newsclub.net.unix.AFUNIXSocketChannel;

/**
 * Everything of unix:// that touches junixsocket, kept out of the provider so that listing the
 * providers never loads it.
 */
final class UnixSockets {
  /** sun_path holds 108 bytes including the terminating NUL. */
  private static final int MAX_PATH = 107;

  private UnixSockets() {}

  static Optional<Throwable> unavailabilityCause() {
    if (!AFUNIXSocket.isSupported()) {
      return Optional.of(new IllegalStateException(
          "junixsocket's native library does not load on this platform (os.arch=" + System.getProperty("os.arch") + ")"));
    }
    return Optional.empty();
  }

  static LinkAcceptor.Accepted connect(ChannelUri uri) throws IOException {
    Path path = path(uri);
    AFUNIXSocketChannel ch = AFUNIXSocketChannel.open();
    try {
      ch.connect(AFUNIXSocketAddress.of(path));
      return new LinkAcceptor.Accepted(UnixSocketLink.over(ch), path.toString(), UnixSocketLink.peerCredentials(ch));
    } catch (IOException e) {
      ch.close();
      throw new IpcException("cannot connect to " + uri + ": " + e.getMessage()
          + (Files.exists(path) ? "" : " (no socket file at " + path + ")"), e);
    }
  }

  static StreamTransport.Bound bind(ChannelUri uri) throws IOException {
    Path path = path(uri);
    var permissions = UnixSocketFile.permissions(uri.string("mode", "0600"), uri.toString());
    Set<Long> allowed = allowedUids(uri);
    UnixSocketFile.checkDirectory(path.getParent(), uri.toString());
    if (Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      if (!UnixSocketFile.isSocket(path)) {
        throw new IpcException("cannot listen at " + uri + ": " + path + " exists and is not a socket");
      }
      if (isLive(path)) {
        throw new IpcException("cannot listen at " + uri + ": another server is live at " + path);
      }
      // stale: its server died without removing it; replaced below
    }
    AFUNIXServerSocketChannel server = AFUNIXServerSocketChannel.open();
    try {
      // junixsocket stops accepting once the file it bound is moved away, so the socket is bound
      // where it will live; the umask race until the chmod below is closed by admitting only the
      // uids the mode allows (checked on every accept from the kernel's peer credentials)
      server.socket().setDeleteOnClose(false);
      Files.deleteIfExists(path);
      server.bind(AFUNIXSocketAddress.of(path), (int) uri.integer("backlog", 128));
      Files.setPosixFilePermissions(path, permissions);
    } catch (IOException | RuntimeException e) {
      server.close();
      throw new IpcException("cannot listen at " + uri + ": " + e.getMessage(), e);
    }
    long ownerUid = ((Number) Files.getAttribute(path, "unix:uid")).longValue();
    long ownerGid = ((Number) Files.getAttribute(path, "unix:gid")).longValue();
    boolean groupMayConnect = permissions.contains(java.nio.file.attribute.PosixFilePermission.GROUP_WRITE);
    Admission admission = new Admission(allowed, ownerUid, groupMayConnect ? ownerGid : -1);
    return new StreamTransport.Bound(new Acceptor(server, path, UnixSocketFile.fileKey(path), admission), uri);
  }

  /** Who may stay connected: the allow-list if given, else whom the file mode lets in. */
  private record Admission(Set<Long> allowedUids, long ownerUid, long groupGid) {
    boolean admits(PeerCredentials c) {
      if (allowedUids != null) {
        return allowedUids.contains(c.uid());
      }
      return c.uid() == ownerUid || c.uid() == 0 || (groupGid >= 0 && c.gid() == groupGid);
    }
  }

  private static boolean isLive(Path path) {
    try (AFUNIXSocketChannel probe = AFUNIXSocketChannel.open()) {
      probe.connect(AFUNIXSocketAddress.of(path));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  static Path path(ChannelUri uri) throws InvalidChannelUriException {
    String p = uri.base().getPath();
    if (p == null || p.isEmpty() || !p.startsWith("/")) {
      throw new InvalidChannelUriException(uri.toString(),
          "unix: needs an absolute socket path, e.g. unix:///run/app/worker.sock");
    }
    if (p.getBytes(StandardCharsets.UTF_8).length > MAX_PATH) {
      throw new InvalidChannelUriException(uri.toString(), "socket path is longer than the " + MAX_PATH
          + " bytes a Unix socket address can hold");
    }
    return Path.of(p);
  }

  private static Set<Long> allowedUids(ChannelUri uri) throws InvalidChannelUriException {
    String v = uri.options().get("allowUid");
    if (v == null) {
      return null;
    }
    Set<Long> uids = new HashSet<>();
    for (String s : v.split(",")) {
      try {
        uids.add(Long.parseLong(s.trim()));
      } catch (NumberFormatException e) {
        throw new InvalidChannelUriException(uri.toString(), "allowUid=" + v + " is not a list of numeric uids");
      }
    }
    return uids;
  }

  /** Accepts connections, refuses uids outside the allow-list, removes its file on close. */
  private static final class Acceptor implements LinkAcceptor {
    private final AFUNIXServerSocketChannel server;
    private final Path path;
    private final Object fileKey;
    private final Admission admission;
    private final Selector selector;
    /**
     * Held around the server's accept and its close, so that the server is never closed while a
     * thread is inside junixsocket's accept. junixsocket (2.11.1, AFSocketImpl's unblockAccepts0)
     * wakes such a thread by connecting a new socket to the server; the server is already shut
     * down then, so that connect is refused, and junixsocket returns without closing the socket:
     * an unconnected unix socket leaked per close that met an accept.
     */
    private final Object acceptLock = new Object();

    Acceptor(AFUNIXServerSocketChannel server, Path path, Object fileKey, Admission admission) throws IOException {
      this.server = server;
      this.path = path;
      this.fileKey = fileKey;
      this.admission = admission;
      // accept only once a connection is waiting, so that the accept itself never blocks: close
      // then waits for it under acceptLock for a moment, not until the next client comes
      server.configureBlocking(false);
      this.selector = server.provider().openSelector();
      server.register(selector, SelectionKey.OP_ACCEPT);
    }

    @Override
    public Accepted accept() throws IOException {
      AFUNIXSocketChannel ch = null;
      while (ch == null) {
        try {
          selector.select();
          selector.selectedKeys().clear();
        } catch (ClosedSelectorException e) {
          throw new ClosedChannelException();
        }
        synchronized (acceptLock) {
          if (!server.isOpen()) {
            throw new ClosedChannelException();
          }
          ch = server.accept();
        }
      }
      try {
        Optional<PeerCredentials> creds = UnixSocketLink.peerCredentials(ch);
        String peer = creds.map(c -> "pid" + c.pid()).orElse("peer");
        return new Accepted(UnixSocketLink.over(ch), peer, creds);
      } catch (IOException | RuntimeException e) {
        ch.close();
        throw e;
      }
    }

    @Override
    public boolean admit(Accepted accepted) {
      return accepted.credentials().map(admission::admits).orElse(false);
    }

    @Override
    public void close() throws IOException {
      try {
        selector.close();
        synchronized (acceptLock) {
          server.close();
        }
      } finally {
        // remove the file only if it is still ours: a newer server may have replaced it
        try {
          if (UnixSocketFile.isSocket(path) && fileKey.equals(UnixSocketFile.fileKey(path))) {
            Files.deleteIfExists(path);
          }
        } catch (IOException ignored) {
          // already gone
        }
      }
    }
  }
}
