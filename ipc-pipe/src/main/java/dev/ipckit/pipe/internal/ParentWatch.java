package dev.ipckit.pipe.internal;

/**
 * Ends this process when the parent that started it is gone, so a child never outlives its
 * parent as an orphan: while its channel is open, a thread looks at this process's parent pid
 * every {@value #INTERVAL_MILLIS} ms, and once the parent has died (the kernel hands its orphans
 * to another process) it exits. Pure Java, so that a child's start does not pay for loading
 * JNA. Not API.
 */
public final class ParentWatch {
  static final int INTERVAL_MILLIS = 100;
  private static final int HALT_AFTER_MILLIS = 1500;

  private final long parentPid;
  private final int exitCode;
  private final String what;
  private volatile boolean stopped;

  private ParentWatch(long parentPid, int exitCode, String what) {
    this.parentPid = parentPid;
    this.exitCode = exitCode;
    this.what = what;
  }

  /** Watches until {@link #stop()}; exits with {@code exitCode} once {@code parentPid} is not our parent. */
  public static ParentWatch start(long parentPid, int exitCode, String what) {
    ParentWatch w = new ParentWatch(parentPid, exitCode, what);
    Thread t = new Thread(null, w::run, "ipckit-parent-watch " + parentPid, 128 * 1024);
    t.setDaemon(true);
    t.start();
    return w;
  }

  /** Stops watching (the channel was closed); the thread ends within {@value #INTERVAL_MILLIS} ms. */
  public void stop() {
    stopped = true;
  }

  private void run() {
    try {
      while (!stopped) {
        long ppid = ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(-1L);
        if (ppid != parentPid) {
          orphaned();
          return;
        }
        Thread.sleep(INTERVAL_MILLIS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void orphaned() {
    System.err.println("ipckit: the parent process " + parentPid + " of " + what + " is gone; exiting with code "
        + exitCode);
    System.err.flush();
    Thread halt = new Thread(() -> {
      try {
        Thread.sleep(HALT_AFTER_MILLIS);
      } catch (InterruptedException ignored) {
        // halt anyway
      }
      Runtime.getRuntime().halt(exitCode);
    }, "ipckit-orphan-halt");
    halt.setDaemon(true);
    halt.start();
    System.exit(exitCode);
  }
}
