package dev.ipckit.bench;

import java.io.Closeable;
import java.io.IOException;
import java.time.Duration;
import java.util.List;

/**
 * One row's connection to its running peer: the parent's link, the peer process, and whatever
 * else the row made for it (a listener, a queue directory). Closing it closes them all and kills
 * a peer still running.
 */
final class Session implements Closeable {
  private final BenchLink link;
  private final PeerProcess peer;
  private final List<Closeable> resources;

  Session(BenchLink link, PeerProcess peer, Closeable... resources) {
    this.link = link;
    this.peer = peer;
    this.resources = List.of(resources);
  }

  BenchLink link() {
    return link;
  }

  /** Throws if the peer failed; returns when it exited with 0. */
  void awaitPeerExit(Duration timeout) throws IOException, InterruptedException {
    peer.awaitExit(timeout);
  }

  @Override
  public void close() throws IOException {
    IOException failure = null;
    for (Closeable c : List.<Closeable>of(link, peer::close)) {
      failure = closeQuietly(c, failure);
    }
    for (Closeable c : resources) {
      failure = closeQuietly(c, failure);
    }
    if (failure != null) {
      throw failure;
    }
  }

  private static IOException closeQuietly(Closeable c, IOException failure) {
    try {
      c.close();
    } catch (IOException e) {
      if (failure == null) {
        return e;
      }
      failure.addSuppressed(e);
    }
    return failure;
  }
}
