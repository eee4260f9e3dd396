package dev.ipckit.pipe;

import com.sun.jna.Memory;
import dev.ipckit.IpcException;
import dev.ipckit.pipe.internal.LibC;
import java.util.concurrent.CompletableFuture;

/**
 * Reaps one child with its own {@code waitpid(pid)} (never {@code waitpid(-1)}, which would steal
 * other code's children) on a thread that ends with the child. It first waits with
 * {@code WNOWAIT}, so that the pid stays reserved until signals to it are no longer sent: a
 * signal can never hit an unrelated process that reused the number.
 */
final class Reaper {
  private final int pid;
  private final String description;
  private final CompletableFuture<ExitStatus> exit = new CompletableFuture<>();
  private boolean reaped; // guarded by this

  Reaper(int pid, String description) {
    this.pid = pid;
    this.description = description;
  }

  CompletableFuture<ExitStatus> exit() {
    return exit;
  }

  void start() {
    Thread t = new Thread(null, this::run, "ipckit-reap " + pid, 256 * 1024);
    t.setDaemon(true);
    t.start();
  }

  /** Sends {@code signal} to the child (or its process group); false once it has been reaped. */
  synchronized boolean signal(int signal, boolean group) {
    if (reaped) {
      return false;
    }
    return LibC.kill(group ? -pid : pid, signal) == 0;
  }

  private void run() {
    Memory info = new Memory(LibC.SIGINFO_SIZE);
    while (LibC.waitid(LibC.P_PID, pid, info, LibC.WEXITED | LibC.WNOWAIT) != 0) {
      int err = LibC.errno();
      if (err != LibC.EINTR) {
        lost(err);
        return;
      }
    }
    int[] status = new int[1];
    int rc;
    synchronized (this) {
      do {
        rc = LibC.waitpid(pid, status, 0);
      } while (rc < 0 && LibC.errno() == LibC.EINTR);
      reaped = true;
    }
    if (rc != pid) {
      lost(LibC.errno());
      return;
    }
    exit.complete(ExitStatus.fromWaitStatus(status[0]));
  }

  private void lost(int err) {
    synchronized (this) {
      reaped = true;
    }
    exit.completeExceptionally(new IpcException("the exit status of " + description + " is unknown: "
        + "something else in this process reaped it (a waitpid(-1)?): " + LibC.describe(err)));
  }
}
