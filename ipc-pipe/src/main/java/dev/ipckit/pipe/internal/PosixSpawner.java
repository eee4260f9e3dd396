package dev.ipckit.pipe.internal;

import com.sun.jna.Memory;
import com.sun.jna.StringArray;
import dev.ipckit.IpcException;
import dev.ipckit.pipe.SpawnException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One call to {@code posix_spawnp}: the child gets exactly the descriptors in {@link Request#fds}
 * (each dup2'ed onto its number), everything above the highest of them is closed with
 * {@code posix_spawn_file_actions_addclosefrom_np}, the signal mask is empty and every signal has
 * its default action. Not API.
 */
public final class PosixSpawner {
  private static final int SIGKILL = 9;
  private static final int SIGSTOP = 19;

  /** What the child's descriptor {@code target} is. */
  public sealed interface FdSpec {
    int target();
  }

  /** The child's {@code target} is a copy of this process's {@code source}. */
  public record Dup(int target, int source) implements FdSpec {}

  /** The child's {@code target} is /dev/null, opened read-only or write-only. */
  public record DevNull(int target, boolean write) implements FdSpec {}

  /** The child's {@code target} is {@code path}, opened for appending (created 0644 if missing). */
  public record AppendTo(int target, Path path) implements FdSpec {}

  /**
   * @param fds descriptors to set up in the child; 0, 1 and 2 not listed are inherited as they are
   * @param directory the child's working directory, or null for this process's
   */
  public record Request(List<String> argv, Map<String, String> environment, Path directory, List<FdSpec> fds,
      boolean newSession, boolean newProcessGroup) {}

  private PosixSpawner() {}

  /** Starts the child and returns its pid. */
  public static int spawn(Request r) throws IpcException {
    int maxTarget = 2;
    for (FdSpec f : r.fds()) {
      maxTarget = Math.max(maxTarget, f.target());
    }
    // a source numbered at or below a target could be overwritten before it is copied: lift it
    List<Integer> lifted = new ArrayList<>();
    Memory actions = new Memory(LibC.FILE_ACTIONS_SIZE);
    Memory attr = new Memory(LibC.SPAWNATTR_SIZE);
    Memory noSignals = new Memory(LibC.SIGSET_SIZE);
    Memory allSignals = new Memory(LibC.SIGSET_SIZE);
    check(LibC.posix_spawn_file_actions_init(actions), "posix_spawn_file_actions_init");
    try {
      check(LibC.posix_spawnattr_init(attr), "posix_spawnattr_init");
      try {
        for (FdSpec f : r.fds()) {
          if (f instanceof Dup d) {
            int source = d.source();
            if (source <= maxTarget) {
              source = Fds.dupAtLeast(source, maxTarget + 1);
              lifted.add(source);
            }
            check(LibC.posix_spawn_file_actions_adddup2(actions, source, d.target()), "adddup2");
          } else if (f instanceof DevNull n) {
            check(LibC.posix_spawn_file_actions_addopen(actions, n.target(), "/dev/null",
                n.write() ? LibC.O_WRONLY : LibC.O_RDONLY, 0), "addopen /dev/null");
          } else if (f instanceof AppendTo a) {
            check(LibC.posix_spawn_file_actions_addopen(actions, a.target(), a.path().toString(),
                LibC.O_WRONLY | LibC.O_CREAT | LibC.O_APPEND, 0644), "addopen " + a.path());
          }
        }
        check(LibC.posix_spawn_file_actions_addclosefrom_np(actions, maxTarget + 1), "addclosefrom_np");
        if (r.directory() != null) {
          check(LibC.posix_spawn_file_actions_addchdir_np(actions, r.directory().toString()), "addchdir_np");
        }
        short flags = (short) (LibC.POSIX_SPAWN_SETSIGMASK | LibC.POSIX_SPAWN_SETSIGDEF);
        if (r.newSession()) {
          flags |= LibC.POSIX_SPAWN_SETSID;
        } else if (r.newProcessGroup()) {
          flags |= LibC.POSIX_SPAWN_SETPGROUP;
          check(LibC.posix_spawnattr_setpgroup(attr, 0), "setpgroup");
        }
        LibC.sigemptyset(noSignals);
        LibC.sigfillset(allSignals);
        LibC.sigdelset(allSignals, SIGKILL);
        LibC.sigdelset(allSignals, SIGSTOP);
        check(LibC.posix_spawnattr_setflags(attr, flags), "setflags");
        check(LibC.posix_spawnattr_setsigmask(attr, noSignals), "setsigmask");
        check(LibC.posix_spawnattr_setsigdefault(attr, allSignals), "setsigdefault");

        StringArray argv = new StringArray(r.argv().toArray(new String[0]), "UTF-8");
        List<String> env = new ArrayList<>(r.environment().size());
        r.environment().forEach((k, v) -> env.add(k + "=" + v));
        StringArray envp = new StringArray(env.toArray(new String[0]), "UTF-8");
        int[] pid = new int[1];
        String file = r.argv().get(0);
        int err = LibC.posix_spawnp(pid, file, actions, attr, argv, envp);
        if (err != 0) {
          throw new SpawnException(spawnError(file, err));
        }
        return pid[0];
      } finally {
        LibC.posix_spawnattr_destroy(attr);
      }
    } finally {
      LibC.posix_spawn_file_actions_destroy(actions);
      for (int fd : lifted) {
        Fds.close(fd);
      }
    }
  }

  private static String spawnError(String file, int err) {
    String what = "cannot start '" + file + "': ";
    switch (err) {
      case LibC.ENOENT:
        if (file.indexOf('/') < 0) {
          return what + "command not found in PATH (" + System.getenv("PATH") + ")";
        }
        return what + "no such file";
      case LibC.EACCES:
        return what + "permission denied (the file is not executable, or a directory on its path "
            + "cannot be searched)";
      case LibC.ENOEXEC:
        return what + "not an executable this system can run";
      case LibC.ENOTDIR:
        return what + "a component of its path is not a directory";
      default:
        return what + LibC.describe(err);
    }
  }

  private static void check(int rc, String what) throws IpcException {
    if (rc != 0) {
      throw new IpcException("posix_spawn setup failed in " + what + ": " + LibC.describe(rc));
    }
  }
}
