package dev.ipckit.bench;

import java.io.IOException;
import java.time.Duration;

/**
 * A row whose peer is a child JVM that connects to something this process set up first: a
 * listening socket, an ipckit server, a queue directory, Redis channels.
 */
abstract class ListeningRow extends Row {
  private static final Duration CONNECT = Duration.ofSeconds(30);

  ListeningRow(String label, String baseline) {
    super(label, baseline);
  }

  /** Sets up what the peer connects to; closing it removes whatever it created. */
  abstract Listener listen(BenchContext ctx) throws IOException;

  @Override
  final Session start(BenchContext ctx, int size, Duration sendFor) throws IOException {
    Listener listener = listen(ctx);
    try {
      PeerProcess peer = PeerProcess.start(ctx, this, listener.address(), size, sendFor);
      try {
        return new Session(accept(listener, peer, label() + " " + Units.size(size)), peer, listener);
      } catch (IOException | RuntimeException e) {
        peer.close();
        throw e;
      }
    } catch (IOException | RuntimeException e) {
      listener.close();
      throw e;
    }
  }

  private static BenchLink accept(Listener listener, PeerProcess peer, String row) throws IOException {
    long deadline = System.nanoTime() + CONNECT.toNanos();
    while (System.nanoTime() - deadline < 0) {
      BenchLink link = listener.accept(Duration.ofMillis(100));
      if (link != null) {
        return link;
      }
      if (!peer.isAlive()) {
        throw new IOException(row + ": the peer process " + peer.exitDescription() + " before connecting");
      }
    }
    throw new IOException(row + ": the peer process did not connect within " + CONNECT.toSeconds() + " s");
  }
}
