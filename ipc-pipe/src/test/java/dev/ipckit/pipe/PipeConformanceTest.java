package dev.ipckit.pipe;

import dev.ipckit.Channel;
import dev.ipckit.ChannelOptions;
import dev.ipckit.ChannelUri;
import dev.ipckit.pipe.internal.Fds;
import dev.ipckit.pipe.internal.PipeLink;
import dev.ipckit.stream.LinkAcceptor;
import dev.ipckit.stream.StreamTransport;
import dev.ipckit.tests.ChannelConformanceSuite;
import dev.ipckit.tests.TransportFixture;
import java.io.IOException;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * pipe: through the conformance suite: a child forked with Spawn talking over its stdin and
 * stdout, or, in this process, two PipeLinks over two pipes opened through the same stream
 * engine (opening pipe: here would take over this JVM's own stdio).
 */
class PipeConformanceTest extends ChannelConformanceSuite {
  @Override
  protected TransportFixture createFixture() {
    return new ChildFixture("pipe", "pipe:", PipeTransport.CAPABILITIES) {
      @Override
      Channel[] inProcessPair(String options) throws IOException {
        int[] ab = Fds.pipe();
        int[] ba = Fds.pipe();
        PipeLink a = new PipeLink(ba[0], ab[1]);
        PipeLink b = new PipeLink(ab[0], ba[1]);
        String q = options.isEmpty() ? "" : "?" + options;
        CompletableFuture<Channel> other = CompletableFuture.supplyAsync(() -> {
          try {
            return new OverLink(b).open(ChannelUri.parse("pipe:" + q));
          } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        });
        Channel first = new OverLink(a).open(ChannelUri.parse("pipe:" + q));
        try {
          return new Channel[] {first, other.get()};
        } catch (InterruptedException | ExecutionException e) {
          first.close();
          throw new IOException("the other end did not open: " + e.getCause(), e);
        }
      }

      @Override
      public RawConnection rawConnection(String options) throws IOException {
        int[] toChannel = Fds.pipe();
        int[] fromChannel = Fds.pipe();
        PipeLink link = new PipeLink(toChannel[0], fromChannel[1]);
        ChannelUri uri = ChannelUri.parse("pipe:" + (options.isEmpty() ? "" : "?" + options));
        return rawPair(rawBytes(fromChannel[0], toChannel[1]), () -> new OverLink(link).open(uri));
      }
    };
  }

  /** pipe:'s engine over a given link: PipeTransport does the same over this process's stdio. */
  private static final class OverLink extends StreamTransport {
    private final PipeLink link;

    OverLink(PipeLink link) {
      super("pipe", PipeTransport.CAPABILITIES, Set.of());
      this.link = link;
    }

    @Override
    protected LinkAcceptor.Accepted connect(ChannelUri uri, ChannelOptions options) {
      return new LinkAcceptor.Accepted(link, "pipe", Optional.empty());
    }

    @Override
    protected Bound bind(ChannelUri uri, ChannelOptions options) {
      throw new UnsupportedOperationException();
    }
  }
}
