package dev.ipckit;

import dev.ipckit.spi.TransportProvider;
import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Opens channels and servers by URI. The transport is chosen by the URI's scheme among the
 * providers on the class path, so switching transport is a configuration change:
 *
 * <pre>{@code
 * try (Channel ch = Channels.open("unix:///run/app/worker.sock")) {
 *   ch.send(ByteBuffer.wrap(bytes));
 *   ByteBuffer reply = ch.receive(Duration.ofSeconds(1));
 * }
 * }</pre>
 */
public final class Channels {
  /** Environment variable naming the channel URI of {@link #fromEnvironment()}. */
  public static final String ENV = "IPCKIT_CHANNEL";
  /** System property naming the channel URI of {@link #fromEnvironment()}; wins over the variable. */
  public static final String PROPERTY = "ipckit.channel";

  private static volatile Map<String, TransportProvider> providers;

  private Channels() {}

  /** Opens a client channel. With {@code ?retry=} set, it reconnects with backoff when the peer goes away. */
  public static Channel open(String uri) throws IOException {
    ChannelUri parsed = ChannelUri.parse(uri);
    TransportProvider provider = provider(parsed);
    ChannelOptions options = ChannelOptions.from(parsed);
    if (!options.retry().isZero()) {
      return ReconnectingChannel.open(parsed, options, () -> provider.open(parsed));
    }
    return provider.open(parsed);
  }

  /** Starts a server that accepts channels at {@code uri}. */
  public static ChannelServer listen(String uri) throws IOException {
    ChannelUri parsed = ChannelUri.parse(uri);
    return provider(parsed).listen(parsed);
  }

  /**
   * Opens the channel named by the system property {@value #PROPERTY} or the environment
   * variable {@value #ENV}: how a process started by ipckit finds its parent, whatever
   * transport the parent chose. Without either, a channel a provider recognises in the
   * environment ({@link TransportProvider#inheritedChannel()}: Node's {@code NODE_CHANNEL_FD})
   * is opened.
   */
  public static Channel fromEnvironment() throws IOException {
    String uri = System.getProperty(PROPERTY);
    if (uri == null) {
      uri = System.getenv(ENV);
    }
    if (uri == null) {
      // a parent that is not ipckit may have left a channel only one transport recognises
      for (TransportProvider p : providers().values()) {
        Optional<String> inherited = p.inheritedChannel();
        if (inherited.isPresent()) {
          uri = inherited.get();
          break;
        }
      }
    }
    if (uri == null) {
      throw new TransportUnavailableException("no channel configured: set the environment variable "
          + ENV + " or the system property " + PROPERTY + " to a channel URI");
    }
    return open(uri);
  }

  /** The schemes of every provider on the class path. */
  public static java.util.Set<String> schemes() {
    return new TreeSet<>(providers().keySet());
  }

  /** The provider for {@code uri}'s scheme, after checking that it can run and knows every option. */
  public static TransportProvider provider(ChannelUri uri) throws IpcException {
    TransportProvider p = providers().get(uri.scheme());
    if (p == null) {
      throw new TransportUnavailableException("unknown scheme '" + uri.scheme() + "' in " + uri
          + "; known schemes: " + String.join(", ", schemes())
          + " (a transport's module must be on the class path)");
    }
    var cause = p.unavailabilityCause();
    if (cause.isPresent()) {
      throw new TransportUnavailableException("transport '" + uri.scheme() + "' cannot run here: "
          + cause.get().getMessage(), cause.get());
    }
    for (String name : uri.options().keySet()) {
      if (!ChannelOptions.NAMES.contains(name) && !p.options().contains(name)) {
        TreeSet<String> known = new TreeSet<>(ChannelOptions.NAMES);
        known.addAll(p.options());
        throw new InvalidChannelUriException(uri.toString(), "unknown option '" + name
            + "'; options of " + uri.scheme() + ": " + String.join(", ", known));
      }
    }
    return p;
  }

  private static Map<String, TransportProvider> providers() {
    Map<String, TransportProvider> m = providers;
    if (m == null) {
      m = new TreeMap<>();
      var it = ServiceLoader.load(TransportProvider.class, Channels.class.getClassLoader()).iterator();
      while (true) {
        TransportProvider p;
        try {
          if (!it.hasNext()) {
            break;
          }
          p = it.next();
        } catch (java.util.ServiceConfigurationError e) {
          // one broken provider (a missing library) must not hide the others
          continue;
        }
        for (String s : p.schemes()) {
          m.putIfAbsent(s, p);
        }
      }
      providers = m;
    }
    return m;
  }
}
