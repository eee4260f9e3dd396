package dev.ipckit.cli;

import dev.ipckit.Channel;
import dev.ipckit.ChannelServer;
import dev.ipckit.ChannelUri;
import dev.ipckit.Channels;
import dev.ipckit.IpcException;
import dev.ipckit.TransportUnavailableException;
import dev.ipckit.spi.TransportProvider;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;

/**
 * A channel URI given on the command line, checked before anything is opened: it parses, its
 * scheme is known, its transport can run here and knows every option. Anything wrong with it is
 * a {@link BadArgumentException} (exit code 2).
 *
 * <p>A URI naming a channel this process inherited ({@code fd:env:NODE_CHANNEL_FD} under a Node
 * parent) gets the options its transport knows the parent expects, unless given: Node speaks
 * {@code framing=ndjson}, and the command should exit with its parent.
 */
final class Endpoint {
  private final String uri;

  private Endpoint(String uri) {
    this.uri = uri;
  }

  static Endpoint of(String text) throws BadArgumentException {
    try {
      ChannelUri given = ChannelUri.parse(text);
      return new Endpoint(withInheritedOptions(given, Channels.provider(given)));
    } catch (IpcException e) {
      throw new BadArgumentException(e);
    }
  }

  /** The URI as it will be opened (with any inherited options added). */
  String uri() {
    return uri;
  }

  Channel open() throws IOException {
    return Channels.open(uri);
  }

  /** A server on this URI, or empty when its transport has no server side (fd:, pipe:): open it instead. */
  Optional<ChannelServer> listen() throws IOException {
    try {
      return Optional.of(Channels.listen(uri));
    } catch (TransportUnavailableException noServerSide) {
      return Optional.empty();
    }
  }

  private static String withInheritedOptions(ChannelUri given, TransportProvider provider) throws IpcException {
    Optional<String> inherited = provider.inheritedChannel();
    if (inherited.isEmpty()) {
      return given.toString();
    }
    ChannelUri in = ChannelUri.parse(inherited.get());
    if (!in.scheme().equals(given.scheme()) || !in.address().equals(given.address())) {
      return given.toString();
    }
    StringBuilder sb = new StringBuilder(given.toString());
    char separator = sb.indexOf("?") < 0 ? '?' : '&';
    for (Map.Entry<String, String> o : in.options().entrySet()) {
      if (!given.options().containsKey(o.getKey())) {
        sb.append(separator).append(encode(o.getKey())).append('=').append(encode(o.getValue()));
        separator = '&';
      }
    }
    return sb.toString();
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
