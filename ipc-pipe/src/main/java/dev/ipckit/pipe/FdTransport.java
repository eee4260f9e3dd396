package dev.ipckit.pipe;

import dev.ipckit.Capabilities;
import dev.ipckit.Capability;
import dev.ipckit.ChannelOptions;
import dev.ipckit.ChannelUri;
import dev.ipckit.pipe.internal.InheritedFd;
import dev.ipckit.stream.Framing;
import dev.ipckit.stream.LinkAcceptor;
import java.io.IOException;

/**
 * {@code fd:3}, {@code fd:env:NAME}: the Unix socket a parent handed this process on an inherited
 * descriptor, the way Node hands its children {@code NODE_CHANNEL_FD}. Full duplex, with the
 * parent's pid/uid/gid from the kernel. A child started by {@link Spawn} finds it with
 * {@code Channels.fromEnvironment()}; there is no server side.
 *
 * <table>
 *   <caption>Options of fd:</caption>
 *   <tr><th>option</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>parentPid</td><td>none</td><td>the pid of the parent at the other end: while the channel is
 *       open, this process exits with code {@value Spawn#ORPHANED_EXIT_CODE} within 100 ms of that process's
 *       death
 *       (set by {@link Spawn} unless {@code exitWithParent(false)})</td></tr>
 *   <tr><td>framing</td><td>ipckit</td><td>{@code ndjson} speaks Node's IPC ({@link Framing#NDJSON}):
 *       what {@code fd:env:NODE_CHANNEL_FD} needs in a child of Node</td></tr>
 * </table>
 */
public final class FdTransport extends ParentChannelTransport {
  static final Capabilities CAPABILITIES = Capabilities.of(Capability.ORDERED, Capability.LOSSLESS,
      Capability.PEER_CREDENTIALS, Capability.PASSES_HANDLES, Capability.CROSSES_PROCESSES, Capability.BYTE_STREAM);

  public FdTransport() {
    super("fd", CAPABILITIES);
  }

  /**
   * A Java child started by Node ({@code spawn('java', [...], {stdio: [..., 'ipc']})} or
   * {@code fork}) finds Node's channel in {@code NODE_CHANNEL_FD}: it is opened with
   * {@code framing=ndjson} (Node's 'json' serialization) and exits with its Node parent.
   */
  @Override
  public java.util.Optional<String> inheritedChannel() {
    if (System.getenv("NODE_CHANNEL_FD") == null) {
      return java.util.Optional.empty();
    }
    String mode = System.getenv("NODE_CHANNEL_SERIALIZATION_MODE");
    String framing = mode == null || mode.equals("json") ? "ndjson" : mode;
    String parent = ProcessHandle.current().parent().map(p -> "&parentPid=" + p.pid()).orElse("");
    return java.util.Optional.of("fd:env:NODE_CHANNEL_FD?framing=" + framing + parent);
  }

  @Override
  public java.util.Optional<Throwable> unavailabilityCause() {
    return Native.childSideUnavailabilityCause();
  }

  @Override
  protected LinkAcceptor.Accepted connect(ChannelUri uri, ChannelOptions options) throws IOException {
    int fd = InheritedFd.number(uri);
    long parentPid = parentPid(uri);
    return watchedByParent(InheritedFd.adopt(fd, uri), parentPid, uri);
  }

  @Override
  String howToOpen() {
    return "a child opens the descriptor "
        + "its parent handed it with Channels.open(\"fd:3\") or Channels.fromEnvironment(); a parent starts the "
        + "child with dev.ipckit.pipe.Spawn and gets the other end from ChildProcess.channel()";
  }
}
