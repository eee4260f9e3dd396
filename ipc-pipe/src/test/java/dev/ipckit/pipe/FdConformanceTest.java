package dev.ipckit.pipe;

import dev.ipckit.Channel;
import dev.ipckit.Channels;
import dev.ipckit.pipe.internal.Fds;
import dev.ipckit.tests.ChannelConformanceSuite;
import dev.ipckit.tests.TransportFixture;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/** fd: through the conformance suite: a child forked with Spawn, or both ends of a socketpair here. */
class FdConformanceTest extends ChannelConformanceSuite {
  @Override
  protected TransportFixture createFixture() {
    return new ChildFixture("fd", "fd:3", FdTransport.CAPABILITIES) {
      @Override
      Channel[] inProcessPair(String options) throws IOException {
        int[] sv = Fds.socketPair();
        String q = options.isEmpty() ? "" : "?" + options;
        CompletableFuture<Channel> other = CompletableFuture.supplyAsync(() -> {
          try {
            return Channels.open("fd:" + sv[1] + q);
          } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        });
        Channel a = Channels.open("fd:" + sv[0] + q);
        try {
          return new Channel[] {a, other.get()};
        } catch (InterruptedException | ExecutionException e) {
          a.close();
          throw new IOException("the other end of the socketpair did not open: " + e.getCause(), e);
        }
      }

      @Override
      public RawConnection rawConnection(String options) throws IOException {
        int[] sv = Fds.socketPair();
        String uri = "fd:" + sv[0] + (options.isEmpty() ? "" : "?" + options);
        return rawPair(rawBytes(sv[1], Fds.dupAtLeast(sv[1], 3)), () -> Channels.open(uri));
      }
    };
  }
}
