package dev.ipckit.pipe.internal;

import dev.ipckit.IpcException;

/** Small operations on raw file descriptors. Not API. */
public final class Fds {
  private Fds() {}

  /** A socketpair of AF_UNIX stream sockets, both close-on-exec. */
  public static int[] socketPair() throws IpcException {
    int[] sv = new int[2];
    if (LibC.socketpair(LibC.AF_UNIX, LibC.SOCK_STREAM | LibC.SOCK_CLOEXEC, 0, sv) != 0) {
      throw new IpcException("socketpair failed: " + LibC.describe(LibC.errno()));
    }
    return sv;
  }

  /** A pipe, both ends close-on-exec: {@code [read end, write end]}. */
  public static int[] pipe() throws IpcException {
    int[] fds = new int[2];
    if (LibC.pipe2(fds, LibC.O_CLOEXEC) != 0) {
      throw new IpcException("pipe2 failed: " + LibC.describe(LibC.errno()));
    }
    return fds;
  }

  /**
   * Grows the pipe {@code fd} is an end of from the kernel's default 64 KiB to 1 MiB where allowed
   * (Linux's default limit for a user): fewer wake-ups, larger batches. Fails harmlessly on a
   * socket or above the limit.
   */
  public static void growPipe(int fd) {
    LibC.fcntl(fd, LibC.F_SETPIPE_SZ, PIPE_SIZE);
  }

  private static final int PIPE_SIZE = 1 << 20;

  /** A close-on-exec duplicate of {@code fd} numbered {@code min} or higher. */
  public static int dupAtLeast(int fd, int min) throws IpcException {
    int d = LibC.fcntl(fd, LibC.F_DUPFD_CLOEXEC, min);
    if (d < 0) {
      throw new IpcException("cannot duplicate fd " + fd + ": " + LibC.describe(LibC.errno()));
    }
    return d;
  }

  /** Closes {@code fd} with close(2), never through a Java object; -1 is ignored. */
  public static void close(int fd) {
    if (fd >= 0) {
      LibC.close(fd);
    }
  }

  public static void closeAll(int... fds) {
    for (int fd : fds) {
      close(fd);
    }
  }

  public static boolean isOpen(int fd) {
    return LibC.fcntl(fd, LibC.F_GETFD, 0) >= 0;
  }

  public static void setCloseOnExec(int fd) {
    int flags = LibC.fcntl(fd, LibC.F_GETFD, 0);
    if (flags >= 0 && (flags & LibC.FD_CLOEXEC) == 0) {
      LibC.fcntl(fd, LibC.F_SETFD, flags | LibC.FD_CLOEXEC);
    }
  }

  public static void setNonBlocking(int fd) throws IpcException {
    int flags = LibC.fcntl(fd, LibC.F_GETFL, 0);
    if (flags < 0 || LibC.fcntl(fd, LibC.F_SETFL, flags | LibC.O_NONBLOCK) < 0) {
      throw new IpcException("cannot make fd " + fd + " non-blocking: " + LibC.describe(LibC.errno()));
    }
  }

  /** The socket type (SOCK_STREAM, ...) of {@code fd}, or -errno if it is not a socket or not open. */
  public static int socketType(int fd) {
    int[] v = new int[1];
    int[] len = {4};
    if (LibC.getsockopt(fd, LibC.SOL_SOCKET, LibC.SO_TYPE, v, len) != 0) {
      return -LibC.errno();
    }
    return v[0];
  }

  /** The address family of socket {@code fd}, or -errno. */
  public static int socketDomain(int fd) {
    int[] v = new int[1];
    int[] len = {4};
    if (LibC.getsockopt(fd, LibC.SOL_SOCKET, LibC.SO_DOMAIN, v, len) != 0) {
      return -LibC.errno();
    }
    return v[0];
  }
}
