package dev.ipckit.pipe;

import dev.ipckit.Capabilities;
import dev.ipckit.Capability;
import dev.ipckit.ChannelOptions;
import dev.ipckit.ChannelUri;
import dev.ipckit.InvalidChannelUriException;
import dev.ipckit.pipe.internal.InheritedStdio;
import dev.ipckit.stream.LinkAcceptor;
import java.io.IOException;
import java.util.Optional;

/**
 * {@code pipe:}: the channel of a child process over its stdin and stdout, two pipes from and to
 * its parent, with ipckit's handshake and framing. A child started by {@link Spawn} with
 * {@code channel("pipe")} opens it with {@code Channels.fromEnvironment()}.
 *
 * <p><b>Stdout no longer prints.</b> Opening {@code pipe:} moves the two pipes to private
 * descriptors and points stdin at /dev/null and stdout at stderr, so {@code System.out.println}
 * (and native code writing to fd 1) goes to stderr instead of corrupting the channel. Whatever a
 * program prints to stdout before it opens the channel breaks the handshake.
 *
 * <p>Pipes carry no credentials and no descriptors; {@code fd:} has both, and starts a child
 * faster (pipe: needs JNA in the child). Options: {@code parentPid}, as for {@link FdTransport}.
 */
public final class PipeTransport extends ParentChannelTransport {
  static final Capabilities CAPABILITIES = Capabilities.of(Capability.ORDERED, Capability.LOSSLESS,
      Capability.CROSSES_PROCESSES, Capability.BYTE_STREAM);

  public PipeTransport() {
    super("pipe", CAPABILITIES);
  }

  @Override
  public Optional<Throwable> unavailabilityCause() {
    return Native.libcUnavailabilityCause();
  }

  @Override
  protected LinkAcceptor.Accepted connect(ChannelUri uri, ChannelOptions options) throws IOException {
    if (!uri.address().isEmpty()) {
      throw new InvalidChannelUriException(uri.toString(), "pipe: takes no address (it is this process's stdin "
          + "and stdout); write pipe: or pipe:?option=value");
    }
    long parentPid = parentPid(uri);
    return watchedByParent(new LinkAcceptor.Accepted(InheritedStdio.adopt(uri), "parent", Optional.empty()),
        parentPid, uri);
  }

  @Override
  String howToOpen() {
    return "a child opens its stdin and "
        + "stdout with Channels.open(\"pipe:\") or Channels.fromEnvironment(); a parent starts it with "
        + "dev.ipckit.pipe.Spawn...channel(\"pipe\") and gets the other end from ChildProcess.channel()";
  }
}
