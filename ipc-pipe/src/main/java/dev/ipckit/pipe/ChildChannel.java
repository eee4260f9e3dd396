package dev.ipckit.pipe;

import dev.ipckit.Capabilities;
import dev.ipckit.Channel;
import dev.ipckit.ChannelClosedException;
import dev.ipckit.ChannelOptions;
import dev.ipckit.PeerCredentials;
import dev.ipckit.ProtocolException;
import dev.ipckit.pipe.internal.PosixSpawner;
import dev.ipckit.stream.FramedChannel;
import dev.ipckit.stream.Framing;
import dev.ipckit.stream.Handshake;
import dev.ipckit.stream.StreamLink;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The parent's side of the channel to a child, for one transport: what the child inherits and
 * finds in its environment, and how the parent's end is opened once the child runs.
 */
abstract class ChildChannel {

  /** Descriptors the child must get for the channel (on top of stdio). */
  abstract List<PosixSpawner.FdSpec> childFds();

  /** Variables that tell the child where its channel is. */
  abstract Map<String, String> childEnvironment();

  /**
   * Called once the child runs: closes the child's ends in this process and starts opening the
   * parent's end, which completes when the child has opened its own.
   */
  abstract CompletableFuture<Channel> open(ChildProcess child) throws IOException;

  /** Releases what is not yet handed over: the spawn failed, or the parent gave up waiting. */
  abstract void abort();

  /**
   * Runs the ipckit handshake on {@code link} on a short-lived thread and completes with the
   * framed channel; a failure is explained by what became of the child.
   */
  static CompletableFuture<Channel> handshake(ChildProcess child, StreamLink link, String uri, String childUri,
      ChannelOptions options, Capabilities capabilities, Optional<PeerCredentials> credentials, Framing framing) {
    if (!framing.handshake()) {
      // nothing is exchanged on connect (Node's ndjson): the channel is ready at once
      return CompletableFuture.completedFuture(new FramedChannel(uri, link, options, capabilities,
          options.maxMessage(), credentials, framing));
    }
    CompletableFuture<Channel> f = new CompletableFuture<>();
    Thread t = new Thread(null, () -> {
      long start = System.nanoTime();
      try {
        Handshake.Result r = Handshake.run(link, uri, true, options.maxMessage(), null,
            options.connectTimeout().toNanos());
        f.complete(new FramedChannel(uri, link, options, capabilities, r.peerMaxMessage(), credentials, framing,
            r.peerAcceptsHandles()));
      } catch (IOException | RuntimeException e) {
        try {
          link.close();
        } catch (IOException ignored) {
          // nothing more to release
        }
        boolean timedOut = System.nanoTime() - start >= options.connectTimeout().toNanos();
        f.completeExceptionally(explain(child, e, childUri, options, timedOut));
      }
    }, "ipckit-handshake " + child.pid(), 256 * 1024);
    t.setDaemon(true);
    t.start();
    return f;
  }

  /** Why the child never opened its channel, in words. */
  static Exception explain(ChildProcess child, Exception e, String childUri, ChannelOptions options,
      boolean timedOut) {
    ExitStatus status = null;
    if (!(e instanceof ProtocolException) && !timedOut) {
      // the child's end closes as it exits: give the reaper a moment to report how
      try {
        status = child.exit().get(2, TimeUnit.SECONDS);
      } catch (Exception notYet) {
        // still running, or its status is unknown
      }
    }
    if (status != null) {
      return new SpawnException(child + " exited (" + status + ") before it opened its channel to the parent ("
          + childUri + ")", e);
    }
    if (e instanceof ProtocolException) {
      return new SpawnException(child + " does not speak ipckit on its channel (" + childUri + "): "
          + e.getMessage(), e);
    }
    if (timedOut) {
      return new SpawnException(child + " did not open its channel within " + options.connectTimeout().toMillis()
          + " ms (connectTimeout); it must call Channels.fromEnvironment() or open " + childUri, e);
    }
    if (e instanceof ChannelClosedException && !child.isAlive()) {
      return new SpawnException(child + " ended before it opened its channel to the parent (" + childUri + ")", e);
    }
    return new SpawnException(child + " closed its end of the channel (" + childUri
        + ") without opening it: " + e.getMessage(), e);
  }
}
