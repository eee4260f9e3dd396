package dev.ipckit.pipe;

import dev.ipckit.Channel;
import dev.ipckit.ChannelOptions;
import dev.ipckit.pipe.internal.Fds;
import dev.ipckit.pipe.internal.PipeLink;
import dev.ipckit.pipe.internal.PosixSpawner;
import dev.ipckit.stream.Framing;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/** pipe: to a child: one pipe onto its stdin, one from its stdout. */
final class PipeChildChannel extends ChildChannel {
  private final String query;
  private final ChannelOptions options;
  private final Framing framing;
  private final String childUri;
  private final int[] toChild;
  private final int[] fromChild;
  private volatile PipeLink link;

  PipeChildChannel(String query, ChannelOptions options, Framing framing, long parentPid) throws IOException {
    this.query = query;
    this.options = options;
    this.framing = framing;
    String q = query;
    if (parentPid > 0) {
      q = q.isEmpty() ? "parentPid=" + parentPid : q + "&parentPid=" + parentPid;
    }
    this.childUri = "pipe:" + (q.isEmpty() ? "" : "?" + q);
    this.toChild = Fds.pipe();
    int[] from;
    try {
      from = Fds.pipe();
    } catch (IOException e) {
      Fds.closeAll(toChild);
      throw e;
    }
    this.fromChild = from;
  }

  @Override
  List<PosixSpawner.FdSpec> childFds() {
    return List.of(new PosixSpawner.Dup(0, toChild[0]), new PosixSpawner.Dup(1, fromChild[1]));
  }

  @Override
  Map<String, String> childEnvironment() {
    Map<String, String> env = new LinkedHashMap<>();
    env.put(dev.ipckit.Channels.ENV, childUri);
    return env;
  }

  @Override
  CompletableFuture<Channel> open(ChildProcess child) throws IOException {
    synchronized (this) {
      Fds.close(toChild[0]);
      Fds.close(fromChild[1]);
      toChild[0] = -1;
      fromChild[1] = -1;
      link = new PipeLink(fromChild[0], toChild[1]);
      fromChild[0] = -1;
      toChild[1] = -1;
    }
    String uri = "pipe:" + (query.isEmpty() ? "" : "?" + query) + " (" + child + ")";
    return handshake(child, link, uri, childUri, options, PipeTransport.CAPABILITIES, Optional.empty(), framing);
  }

  @Override
  synchronized void abort() {
    Fds.closeAll(toChild);
    Fds.closeAll(fromChild);
    toChild[0] = toChild[1] = fromChild[0] = fromChild[1] = -1;
    if (link != null) {
      link.close();
    }
  }
}
