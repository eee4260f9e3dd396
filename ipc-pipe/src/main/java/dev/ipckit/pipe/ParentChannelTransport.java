package dev.ipckit.pipe;

import dev.ipckit.Capabilities;
import dev.ipckit.ChannelOptions;
import dev.ipckit.ChannelServer;
import dev.ipckit.ChannelUri;
import dev.ipckit.TransportUnavailableException;
import dev.ipckit.pipe.internal.ClosingLink;
import dev.ipckit.pipe.internal.ParentWatch;
import dev.ipckit.stream.Framing;
import dev.ipckit.stream.LinkAcceptor;
import dev.ipckit.stream.StreamTransport;
import java.io.IOException;
import java.util.Set;

/**
 * The child's side of a channel its parent made for it ({@code fd:}, {@code pipe:}): there is
 * nothing to listen on, and with {@code ?parentPid=} the child exits when that parent dies.
 */
abstract class ParentChannelTransport extends StreamTransport {

  ParentChannelTransport(String scheme, Capabilities capabilities) {
    super(scheme, capabilities, Set.of("parentPid", Framing.OPTION));
  }

  /** How a child opens this scheme and a parent makes one: the advice of the no-server error. */
  abstract String howToOpen();

  /** The {@code ?parentPid=} of {@code uri}, or -1: read before anything is adopted, so a bad value leaks nothing. */
  static long parentPid(ChannelUri uri) throws IOException {
    return uri.integer("parentPid", -1);
  }

  /**
   * {@code accepted}, or with a {@code parentPid} the same link closed together with a watch that
   * exits this process with {@link Spawn#ORPHANED_EXIT_CODE} when that parent dies.
   */
  static LinkAcceptor.Accepted watchedByParent(LinkAcceptor.Accepted accepted, long parentPid, ChannelUri uri) {
    if (parentPid <= 0) {
      return accepted;
    }
    ParentWatch watch = ParentWatch.start(parentPid, Spawn.ORPHANED_EXIT_CODE, uri.toString());
    return new LinkAcceptor.Accepted(new ClosingLink(accepted.link(), watch::stop), accepted.peer(),
        accepted.credentials());
  }

  @Override
  protected final Bound bind(ChannelUri uri, ChannelOptions options) throws IOException {
    throw noServer(uri);
  }

  @Override
  public final ChannelServer listen(ChannelUri uri) throws IOException {
    throw noServer(uri);
  }

  private TransportUnavailableException noServer(ChannelUri uri) {
    return new TransportUnavailableException(uri.scheme() + ": has no server side (" + uri + "): " + howToOpen());
  }
}
