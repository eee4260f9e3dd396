package dev.ipckit.internal;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import java.util.Map;

/**
 * The libc calls ipc-api makes on raw descriptors, bound by JNA's direct mapping: those
 * {@link dev.ipckit.Handles} needs to make a TCP socket whose descriptor can travel (the JDK's own
 * channels hide theirs), and the reads, writes and polls of {@link dev.ipckit.stream.DescriptorLink}.
 * Constants are Linux's. Functions that fail return -1 and leave the reason in {@link #errno()}. Not API.
 */
public final class SocketCalls {
  public static final int AF_INET = 2;
  public static final int AF_INET6 = 10;
  public static final int SOCK_STREAM = 1;
  public static final int SOCK_CLOEXEC = 0x80000;
  public static final int SOL_SOCKET = 1;
  public static final int SO_REUSEADDR = 2;
  public static final int SCM_RIGHTS = 1;
  public static final int SHUT_WR = 1;
  public static final int MSG_CTRUNC = 0x8;
  public static final int MSG_DONTWAIT = 0x40;
  public static final int MSG_NOSIGNAL = 0x4000;
  public static final int MSG_CMSG_CLOEXEC = 0x4000_0000;
  public static final int F_GETFL = 3;
  public static final int F_SETFL = 4;
  public static final int O_NONBLOCK = 0x800;
  public static final int EFD_CLOEXEC = 0x80000;
  public static final int EFD_NONBLOCK = 0x800;
  public static final short POLLIN = 0x1;
  public static final short POLLOUT = 0x4;
  public static final int EINTR = 4;
  public static final int EAGAIN = 11;
  public static final int EPIPE = 32;

  static {
    Native.register(SocketCalls.class, libc());
  }

  /** libc as every JNA binding of ipckit loads it. */
  public static NativeLibrary libc() {
    // JNA otherwise unpacks its library under ~/.cache/JNA: nothing of ipckit's goes to $HOME
    if (System.getProperty("jna.tmpdir") == null) {
      System.setProperty("jna.tmpdir", System.getProperty("java.io.tmpdir"));
    }
    return NativeLibrary.getInstance("c", Map.of(Library.OPTION_STRING_ENCODING, "UTF-8"));
  }

  private SocketCalls() {}

  /** Loads libc; throws the reason it cannot. */
  public static void load() {
    // the static initialiser does the work
  }

  public static int errno() {
    return Native.getLastError();
  }

  public static native int socket(int domain, int type, int protocol);

  public static native int bind(int fd, Pointer address, int length);

  public static native int listen(int fd, int backlog);

  public static native int setsockopt(int fd, int level, int name, int[] value, int length);

  public static native int getsockname(int fd, Pointer address, int[] length);

  public static native int close(int fd);

  public static native long read(int fd, long buf, long count);

  public static native long write(int fd, long buf, long count);

  public static native long send(int fd, long buf, long count, int flags);

  public static native long recvmsg(int fd, Pointer msghdr, int flags);

  public static native long sendmsg(int fd, Pointer msghdr, int flags);

  public static native int poll(Pointer fds, long nfds, int timeoutMillis);

  public static native int eventfd(int initval, int flags);

  public static native int fcntl(int fd, int cmd, int arg);

  public static native int shutdown(int fd, int how);

  public static native String strerror(int errnum);

  /** "strerror (errno N)" of the last failed call. */
  public static String lastError() {
    return describe(errno());
  }

  /** "strerror (errno N)". */
  public static String describe(int errnum) {
    String s;
    try {
      s = strerror(errnum);
    } catch (RuntimeException | LinkageError e) {
      s = "error";
    }
    return s + " (errno " + errnum + ")";
  }
}
