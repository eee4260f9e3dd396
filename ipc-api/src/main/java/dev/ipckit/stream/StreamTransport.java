package dev.ipckit.stream;

import dev.ipckit.Capabilities;
import dev.ipckit.Channel;
import dev.ipckit.ChannelOptions;
import dev.ipckit.ChannelServer;
import dev.ipckit.ChannelUri;
import dev.ipckit.spi.TransportProvider;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;

/**
 * Base of the byte-stream transports: a subclass says how to connect and how to listen; the
 * handshake, framing, batching and server machinery are the same for all of them. A transport
 * that lists {@value Framing#OPTION} among its options lets a client choose its {@link Framing}.
 */
public abstract class StreamTransport implements TransportProvider {
  /** Options every stream transport reads. */
  public static final Set<String> STREAM_OPTIONS = Set.of("handshakeTimeout");

  /** A listening acceptor and the URI clients use to reach it (with the real port, say). */
  public record Bound(LinkAcceptor acceptor, ChannelUri uri) {}

  private final String scheme;
  private final Capabilities capabilities;
  private final Set<String> options;

  /**
   * @param scheme the one URI scheme this transport serves
   * @param transportOptions the options it reads beyond the common and stream ones
   */
  protected StreamTransport(String scheme, Capabilities capabilities, Set<String> transportOptions) {
    this.scheme = scheme;
    this.capabilities = capabilities;
    Set<String> all = new HashSet<>(STREAM_OPTIONS);
    all.addAll(transportOptions);
    this.options = Set.copyOf(all);
  }

  @Override
  public final Set<String> schemes() {
    return Set.of(scheme);
  }

  @Override
  public final Capabilities capabilities() {
    return capabilities;
  }

  @Override
  public final Set<String> options() {
    return options;
  }

  /** Connects one raw link to the address in {@code uri}. */
  protected abstract LinkAcceptor.Accepted connect(ChannelUri uri, ChannelOptions options) throws IOException;

  /** Binds a listener at the address in {@code uri}. */
  protected abstract Bound bind(ChannelUri uri, ChannelOptions options) throws IOException;

  /** The shared secret for the handshake, or null; only transports that offer one override this. */
  protected byte[] secret(ChannelUri uri) {
    return null;
  }


  @Override
  public Channel open(ChannelUri uri) throws IOException {
    ChannelOptions options = ChannelOptions.from(uri);
    Duration handshake = uri.duration("handshakeTimeout", options.connectTimeout());
    Framing framing = Framing.of(uri);
    LinkAcceptor.Accepted a = connect(uri, options);
    try {
      long peerMax = options.maxMessage();
      boolean peerHandles = false;
      if (framing.handshake()) {
        Handshake.Result r = Handshake.run(a.link(), uri.toString(), false, options.maxMessage(), secret(uri),
            handshake.toNanos());
        peerMax = r.peerMaxMessage();
        peerHandles = r.peerAcceptsHandles();
      }
      return new FramedChannel(uri.toString(), a.link(), options, capabilities(), peerMax, a.credentials(),
          framing, peerHandles);
    } catch (IOException | RuntimeException e) {
      a.link().close();
      throw e;
    }
  }

  @Override
  public ChannelServer listen(ChannelUri uri) throws IOException {
    ChannelOptions options = ChannelOptions.from(uri);
    Duration handshake = uri.duration("handshakeTimeout", Duration.ofSeconds(5));
    Bound b = bind(uri, options);
    return new FramedServer(b.uri().toString(), b.acceptor(), options, capabilities(), secret(uri), handshake);
  }

  /** The UTF-8 bytes of an option, or null. */
  protected static byte[] optionBytes(ChannelUri uri, String name) {
    String v = uri.options().get(name);
    return v == null ? null : v.getBytes(StandardCharsets.UTF_8);
  }
}
