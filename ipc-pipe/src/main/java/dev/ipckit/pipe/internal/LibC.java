package dev.ipckit.pipe.internal;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import dev.ipckit.internal.SocketCalls;

/**
 * The few libc functions ipc-pipe calls, bound by JNA's direct mapping (one native call, no
 * proxy). Constants are Linux's (the same on x86-64 and arm64). Not API.
 *
 * <p>Functions that fail return -1 and leave the reason in {@link #errno()}; the posix_spawn
 * family returns the error number itself.
 */
public final class LibC {
  public static final int AF_UNIX = 1;
  public static final int SOCK_STREAM = 1;
  public static final int SOCK_CLOEXEC = 0x80000;
  public static final int O_RDONLY = 0;
  public static final int O_WRONLY = 1;
  public static final int O_CREAT = 0x40;
  public static final int O_APPEND = 0x400;
  public static final int O_NONBLOCK = 0x800;
  public static final int O_CLOEXEC = 0x80000;
  public static final int F_GETFD = 1;
  public static final int F_SETFD = 2;
  public static final int F_GETFL = 3;
  public static final int F_SETFL = 4;
  public static final int F_DUPFD_CLOEXEC = 1030;
  public static final int F_SETPIPE_SZ = 1031;
  public static final int FD_CLOEXEC = 1;
  public static final int EFD_CLOEXEC = 0x80000;
  public static final int EFD_NONBLOCK = 0x800;

  public static final short POSIX_SPAWN_SETPGROUP = 0x02;
  public static final short POSIX_SPAWN_SETSIGDEF = 0x04;
  public static final short POSIX_SPAWN_SETSIGMASK = 0x08;
  public static final short POSIX_SPAWN_SETSID = 0x80;

  public static final short POLLIN = 0x1;
  public static final short POLLOUT = 0x4;
  public static final short POLLERR = 0x8;
  public static final short POLLHUP = 0x10;
  public static final short POLLNVAL = 0x20;
  public static final short POLLRDHUP = 0x2000;

  public static final int P_PID = 1;
  public static final int WNOHANG = 1;
  public static final int WEXITED = 4;
  public static final int WNOWAIT = 0x0100_0000;

  public static final int SOL_SOCKET = 1;
  public static final int SO_TYPE = 3;
  public static final int SO_DOMAIN = 39;

  public static final int PR_SET_CHILD_SUBREAPER = 36;

  public static final int ENOENT = 2;
  public static final int ESRCH = 3;
  public static final int EINTR = 4;
  public static final int ENOEXEC = 8;
  public static final int EBADF = 9;
  public static final int ECHILD = 10;
  public static final int EAGAIN = 11;
  public static final int EACCES = 13;
  public static final int ENOTDIR = 20;
  public static final int EPIPE = 32;
  public static final int ENOTSOCK = 88;

  /** Generous upper bounds of glibc's opaque structs (80, 336 and 128 bytes on x86-64). */
  public static final int FILE_ACTIONS_SIZE = 256;
  public static final int SPAWNATTR_SIZE = 1024;
  public static final int SIGSET_SIZE = 128;
  public static final int SIGINFO_SIZE = 128;

  static {
    Native.register(LibC.class, SocketCalls.libc());
  }

  private LibC() {}

  /** Loads libc; throws the reason it cannot. */
  public static void load() {
    // the static initialiser does the work
  }

  public static int errno() {
    return Native.getLastError();
  }

  public static native int socketpair(int domain, int type, int protocol, int[] sv);

  public static native int pipe2(int[] fds, int flags);

  public static native int close(int fd);

  public static native int dup2(int fd, int newFd);

  public static native int open(String path, int flags, int mode);

  public static native int eventfd(int initval, int flags);

  public static native int fcntl(int fd, int cmd, int arg);

  public static native int getsockopt(int fd, int level, int name, int[] value, int[] length);

  public static native long read(int fd, long buf, long count);

  public static native long write(int fd, long buf, long count);

  public static native int poll(Pointer fds, long nfds, int timeoutMillis);

  public static native int posix_spawn_file_actions_init(Pointer actions);

  public static native int posix_spawn_file_actions_destroy(Pointer actions);

  public static native int posix_spawn_file_actions_adddup2(Pointer actions, int fd, int newFd);

  public static native int posix_spawn_file_actions_addopen(Pointer actions, int fd, String path, int flags,
      int mode);

  public static native int posix_spawn_file_actions_addclosefrom_np(Pointer actions, int from);

  public static native int posix_spawn_file_actions_addchdir_np(Pointer actions, String path);

  public static native int posix_spawnattr_init(Pointer attr);

  public static native int posix_spawnattr_destroy(Pointer attr);

  public static native int posix_spawnattr_setflags(Pointer attr, short flags);

  public static native int posix_spawnattr_setsigmask(Pointer attr, Pointer sigset);

  public static native int posix_spawnattr_setsigdefault(Pointer attr, Pointer sigset);

  public static native int posix_spawnattr_setpgroup(Pointer attr, int pgroup);

  public static native int sigemptyset(Pointer set);

  public static native int sigfillset(Pointer set);

  public static native int sigdelset(Pointer set, int signal);

  public static native int posix_spawnp(int[] pid, String file, Pointer actions, Pointer attr, Pointer argv,
      Pointer envp);

  public static native int waitpid(int pid, int[] status, int options);

  public static native int waitid(int idType, int id, Pointer info, int options);

  public static native int kill(int pid, int signal);

  public static native int getpid();

  public static native int getppid();

  public static native int getuid();

  public static native int getgid();

  public static native int prctl(int option, long arg2, long arg3, long arg4, long arg5);

  /** "strerror (errno N)". */
  public static String describe(int errnum) {
    return SocketCalls.describe(errnum);
  }
}
