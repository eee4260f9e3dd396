package dev.ipckit.pipe.internal;

import dev.ipckit.ChannelUri;
import dev.ipckit.IpcException;
import dev.ipckit.InvalidChannelUriException;
import dev.ipckit.TransportUnavailableException;
import dev.ipckit.stream.LinkAcceptor;
import dev.ipckit.stream.UnixSocketLink;
import dev.ipckit.stream.StreamLink;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;

/** The child's end of {@code fd:N}: finding, checking and adopting an inherited socket. Not API. */
public final class InheritedFd {
  private InheritedFd() {}

  /** The descriptor number {@code fd:3} or {@code fd:env:NAME} names. */
  public static int number(ChannelUri uri) throws IOException {
    String a = uri.address();
    String text = a;
    boolean fromEnv = false;
    if (a.toLowerCase(Locale.ROOT).startsWith("env:")) {
      String name = a.substring(4);
      if (name.isEmpty()) {
        throw new InvalidChannelUriException(uri.toString(), "fd:env: needs a variable name, e.g. fd:env:NODE_CHANNEL_FD");
      }
      text = System.getenv(name);
      fromEnv = true;
      if (text == null) {
        throw new TransportUnavailableException("cannot open " + uri + ": the environment variable " + name
            + " is not set, so this process was not given a channel (start it with dev.ipckit.pipe.Spawn, or "
            + "from Node with an 'ipc' entry in stdio)");
      }
    }
    int fd;
    try {
      fd = Integer.parseInt(text.trim());
    } catch (NumberFormatException e) {
      throw new InvalidChannelUriException(uri.toString(), "'" + text + "' is not a file descriptor number"
          + (fromEnv ? "" : "; expected fd:3 or fd:env:NAME"));
    }
    if (fd < 0) {
      throw new InvalidChannelUriException(uri.toString(), "file descriptor " + fd + " is negative");
    }
    return fd;
  }

  /**
   * Adopts inherited descriptor {@code fd} (an AF_UNIX stream socket) as a link, after checking
   * that it is a socket. Uses no JNA: a child's start should not pay for loading it.
   */
  public static LinkAcceptor.Accepted adopt(int fd, ChannelUri uri) throws IOException {
    Path link = Path.of("/proc/self/fd", Integer.toString(fd));
    String target = null;
    try {
      target = Files.readSymbolicLink(link).toString();
    } catch (NoSuchFileException e) {
      throw new TransportUnavailableException("cannot open " + uri + ": file descriptor " + fd
          + " is not open in this process (a child started by dev.ipckit.pipe.Spawn, or by Node with an 'ipc' "
          + "stdio entry, has it; this process does not)");
    } catch (IOException | UnsupportedOperationException e) {
      // no /proc: let junixsocket find out
    }
    if (target != null && !target.startsWith("socket:")) {
      throw new IpcException("cannot open " + uri + ": file descriptor " + fd + " is not a socket but " + target
          + "; fd: needs the Unix socket a parent hands its child");
    }
    Junix.Adopted a = Junix.adopt(fd);
    return new LinkAcceptor.Accepted(a.link(), "parent", UnixSocketLink.peerCredentials(a.channel()));
  }
}
