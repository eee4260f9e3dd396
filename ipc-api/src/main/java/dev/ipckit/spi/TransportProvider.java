package dev.ipckit.spi;

import dev.ipckit.Capabilities;
import dev.ipckit.Channel;
import dev.ipckit.ChannelServer;
import dev.ipckit.ChannelUri;
import dev.ipckit.TransportUnavailableException;
import java.io.IOException;
import java.util.Optional;
import java.util.Set;

/**
 * A transport, found by URI scheme through {@link java.util.ServiceLoader} (list the class in
 * {@code META-INF/services/dev.ipckit.spi.TransportProvider}). A provider is cheap to construct:
 * it loads its heavy library only when asked to open something.
 */
public interface TransportProvider {

  /** The URI schemes this provider serves, lower case. */
  Set<String> schemes();

  Capabilities capabilities();

  /** Options this transport reads beyond {@link dev.ipckit.ChannelOptions#NAMES}. */
  default Set<String> options() {
    return Set.of();
  }

  /** Connects to a peer (a client end). */
  Channel open(ChannelUri uri) throws IOException;

  /** Listens for peers. */
  default ChannelServer listen(ChannelUri uri) throws IOException {
    throw new TransportUnavailableException("scheme '" + uri.scheme() + "' has no server side; "
        + "open " + uri + " as a channel instead");
  }

  /**
   * The URI of a channel this process was handed in its environment in a way only this transport
   * knows (the fd: transport recognises Node's {@code NODE_CHANNEL_FD}), or empty.
   * {@link dev.ipckit.Channels#fromEnvironment()} asks every provider when neither
   * {@code ipckit.channel} nor {@code IPCKIT_CHANNEL} is set.
   */
  default Optional<String> inheritedChannel() {
    return Optional.empty();
  }

  /** Why this transport cannot run here, or empty if it can (Netty's unavailabilityCause). */
  default Optional<Throwable> unavailabilityCause() {
    return Optional.empty();
  }
}
