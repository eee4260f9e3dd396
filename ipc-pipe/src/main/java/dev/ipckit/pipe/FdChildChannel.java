package dev.ipckit.pipe;

import dev.ipckit.Channel;
import dev.ipckit.ChannelOptions;
import dev.ipckit.PeerCredentials;
import dev.ipckit.pipe.internal.Fds;
import dev.ipckit.pipe.internal.Junix;
import dev.ipckit.pipe.internal.LibC;
import dev.ipckit.pipe.internal.PosixSpawner;
import dev.ipckit.stream.Framing;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * fd: to a child: a socketpair made here, the child's end put on its descriptor 3, the parent's
 * adopted by junixsocket. The child's end is closed here with a plain close(2), never through
 * junixsocket, whose close shuts the socket down for the child too.
 */
final class FdChildChannel extends ChildChannel {
  static final int CHILD_FD = 3;

  private final String query;
  private final ChannelOptions options;
  private final Framing framing;
  private final String childUri;
  private int parentFd;
  private int childFd;
  private volatile Junix.Adopted adopted;

  /**
   * @param query the channel's options, for both ends ({@code maxMessage=1MiB}), possibly empty
   * @param parentPid this process's pid when the child must exit with it, else -1
   */
  FdChildChannel(String query, ChannelOptions options, Framing framing, long parentPid) throws IOException {
    this.query = query;
    this.options = options;
    this.framing = framing;
    StringBuilder uri = new StringBuilder("fd:" + CHILD_FD);
    String q = query;
    if (parentPid > 0) {
      q = q.isEmpty() ? "parentPid=" + parentPid : q + "&parentPid=" + parentPid;
    }
    if (!q.isEmpty()) {
      uri.append('?').append(q);
    }
    this.childUri = uri.toString();
    int[] sv = Fds.socketPair();
    parentFd = sv[0];
    childFd = sv[1];
  }

  @Override
  List<PosixSpawner.FdSpec> childFds() {
    return List.of(new PosixSpawner.Dup(CHILD_FD, childFd));
  }

  @Override
  Map<String, String> childEnvironment() {
    Map<String, String> env = new LinkedHashMap<>();
    env.put(dev.ipckit.Channels.ENV, childUri);
    if (framing == Framing.NDJSON) {
      // what a Node child looks for: its process.send() and process.on('message') use this fd
      env.put("NODE_CHANNEL_FD", String.valueOf(CHILD_FD));
      env.put("NODE_CHANNEL_SERIALIZATION_MODE", "json");
    }
    return env;
  }

  @Override
  CompletableFuture<Channel> open(ChildProcess child) throws IOException {
    Fds.close(childFd);
    childFd = -1;
    int fd = parentFd;
    parentFd = -1;
    Junix.Adopted a = Junix.adopt(fd);
    adopted = a;
    String uri = "fd:" + fd + (query.isEmpty() ? "" : "?" + query) + " (" + child + ")";
    // the kernel's SO_PEERCRED of a socketpair names its creator, this process: the child's are
    // its pid from posix_spawn and the ids it inherited
    Optional<PeerCredentials> creds = Optional.of(new PeerCredentials(child.pid(), LibC.getuid(), LibC.getgid()));
    return handshake(child, a.link(), uri, childUri, options, FdTransport.CAPABILITIES, creds, framing);
  }

  @Override
  void abort() {
    Fds.closeAll(parentFd, childFd);
    parentFd = -1;
    childFd = -1;
    Junix.Adopted a = adopted;
    if (a != null) {
      try {
        a.link().close();
      } catch (IOException ignored) {
        // nothing more to release
      }
    }
  }
}
