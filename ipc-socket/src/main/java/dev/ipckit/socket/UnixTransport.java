package dev.ipckit.socket;

import dev.ipckit.Capabilities;
import dev.ipckit.Capability;
import dev.ipckit.ChannelOptions;
import dev.ipckit.ChannelUri;
import dev.ipckit.stream.LinkAcceptor;
import dev.ipckit.stream.StreamTransport;
import java.io.IOException;
import java.util.Optional;
import java.util.Set;

/**
 * {@code unix:///path/to/app.sock}: Unix domain sockets through junixsocket, with the peer's
 * pid/uid/gid from the kernel. The socket file gets mode 0600 ({@code ?mode=0660} to let the group
 * in), and peers the mode would not let in are refused by their kernel credentials too, so the
 * moment between bind and chmod opens nothing; the directory must be one other users cannot
 * write to; a stale file from a dead server is replaced, a live server's never; the file is
 * removed when the server closes. {@code ?allowUid=1000,1001} admits only those uids. Messages can
 * carry open sockets both ways ({@link dev.ipckit.Handles}), as over fd:.
 */
public final class UnixTransport extends StreamTransport {
  static final Capabilities CAPABILITIES = Capabilities.of(Capability.ORDERED, Capability.LOSSLESS,
      Capability.ONE_TO_MANY, Capability.PEER_CREDENTIALS, Capability.PASSES_HANDLES, Capability.CROSSES_PROCESSES, Capability.BYTE_STREAM);

  public UnixTransport() {
    super("unix", CAPABILITIES, Set.of("mode", "allowUid", "backlog"));
  }

  @Override
  protected LinkAcceptor.Accepted connect(ChannelUri uri, ChannelOptions options) throws IOException {
    return UnixSockets.connect(uri);
  }

  @Override
  protected Bound bind(ChannelUri uri, ChannelOptions options) throws IOException {
    return UnixSockets.bind(uri);
  }

  @Override
  public Optional<Throwable> unavailabilityCause() {
    try {
      return UnixSockets.unavailabilityCause();
    } catch (LinkageError e) {
      return Optional.of(new IllegalStateException("junixsocket is not on the class path: " + e, e));
    }
  }
}
