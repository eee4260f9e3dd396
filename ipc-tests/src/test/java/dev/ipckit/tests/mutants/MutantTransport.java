package dev.ipckit.tests.mutants;

import dev.ipckit.Capabilities;
import dev.ipckit.Channel;
import dev.ipckit.ChannelServer;
import dev.ipckit.ChannelUri;
import dev.ipckit.Channels;
import dev.ipckit.InvalidChannelUriException;
import dev.ipckit.mem.MemTransport;
import dev.ipckit.spi.TransportProvider;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * {@code mutant:MUTATION/NAME?options}: the mem: transport with one deliberate {@link Mutation},
 * to show that the conformance suite catches it. Test code only.
 */
public final class MutantTransport implements TransportProvider {
  public static final Capabilities CAPABILITIES = new MemTransport().capabilities();

  @Override
  public Set<String> schemes() {
    return Set.of("mutant");
  }

  @Override
  public Capabilities capabilities() {
    return CAPABILITIES;
  }

  @Override
  public Channel open(ChannelUri uri) throws IOException {
    return new MutantChannel(Channels.open(memUri(uri)), mutation(uri));
  }

  @Override
  public ChannelServer listen(ChannelUri uri) throws IOException {
    ChannelServer mem = Channels.listen(memUri(uri));
    Mutation mutation = mutation(uri);
    return new ChannelServer() {
      private final java.util.Map<Channel, Channel> wrapped = new java.util.concurrent.ConcurrentHashMap<>();

      @Override
      public String uri() {
        return uri.toString();
      }

      @Override
      public Channel accept(Duration timeout) throws IOException {
        Channel c = mem.accept(timeout);
        if (c == null) {
          return null;
        }
        Channel m = new MutantChannel(c, mutation);
        wrapped.put(c, m);
        return m;
      }

      @Override
      public List<Channel> channels() {
        return mem.channels().stream().map(c -> wrapped.getOrDefault(c, c)).toList();
      }

      @Override
      public int broadcast(ByteBuffer message) throws IOException {
        return ChannelServer.super.broadcast(message);
      }

      @Override
      public void close() throws IOException {
        mem.close();
      }
    };
  }

  private static Mutation mutation(ChannelUri uri) throws InvalidChannelUriException {
    String a = uri.address();
    try {
      return Mutation.valueOf(a.substring(0, a.indexOf('/')).toUpperCase(Locale.ROOT));
    } catch (RuntimeException e) {
      throw new InvalidChannelUriException(uri.toString(), "expected mutant:MUTATION/NAME");
    }
  }

  private static String memUri(ChannelUri uri) {
    String s = uri.toString();
    return "mem:" + s.substring(s.indexOf('/') + 1);
  }
}
