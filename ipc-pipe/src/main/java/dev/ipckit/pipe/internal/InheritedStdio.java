package dev.ipckit.pipe.internal;

import dev.ipckit.ChannelUri;
import dev.ipckit.IpcException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The child's end of {@code pipe:}: its stdin and stdout. They are moved to private descriptors
 * for the channel, then stdin becomes /dev/null and stdout a copy of stderr, so nothing else in
 * the process can read the channel's bytes or print into them. Not API.
 */
public final class InheritedStdio {
  private InheritedStdio() {}

  public static PipeLink adopt(ChannelUri uri) throws IOException {
    check(0, "stdin", uri);
    check(1, "stdout", uri);
    System.out.flush();
    int in = Fds.dupAtLeast(0, 3);
    int out;
    try {
      out = Fds.dupAtLeast(1, 3);
    } catch (IOException e) {
      Fds.close(in);
      throw e;
    }
    int nul = LibC.open("/dev/null", LibC.O_RDONLY | LibC.O_CLOEXEC, 0);
    if (nul >= 0) {
      LibC.dup2(nul, 0);
      Fds.close(nul);
    }
    LibC.dup2(2, 1);
    try {
      return new PipeLink(in, out);
    } catch (IOException | RuntimeException e) {
      Fds.closeAll(in, out);
      throw e;
    }
  }

  private static void check(int fd, String name, ChannelUri uri) throws IpcException {
    String target;
    try {
      target = Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString();
    } catch (IOException | UnsupportedOperationException e) {
      return; // no /proc: trust the caller
    }
    if (!target.startsWith("pipe:") && !target.startsWith("socket:")) {
      throw new IpcException("cannot open " + uri + ": " + name + " is " + target + ", not a pipe; pipe: is the "
          + "channel of a child whose parent connected its stdin and stdout (Spawn...channel(\"pipe\"))");
    }
  }
}
