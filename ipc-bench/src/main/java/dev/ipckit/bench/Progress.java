package dev.ipckit.bench;

import com.sun.jna.Library;
import com.sun.jna.Native;
import java.io.PrintWriter;
import java.util.Locale;

/**
 * Progress of a run on standard error: a bar redrawn in place when stderr is a terminal, one plain
 * line per row otherwise (a log file or a CI console gets no carriage returns).
 */
final class Progress {
  private static final int WIDTH = 30;

  private final PrintWriter err;
  private final int total;
  private final boolean terminal;
  private int done;
  private String current = "";
  private final long started = System.nanoTime();

  Progress(PrintWriter err, int total, boolean terminal) {
    this.err = err;
    this.total = total;
    this.terminal = terminal;
  }

  static Progress on(PrintWriter err, int total) {
    return new Progress(err, total, stderrIsTerminal());
  }

  void starting(String what) {
    current = what;
    if (terminal) {
      bar();
    } else {
      err.printf(Locale.ROOT, "[%d/%d] %-22s ... ", done + 1, total, what);
      err.flush();
    }
  }

  void done(String result) {
    done++;
    if (terminal) {
      err.print("\r\033[K");
      err.printf(Locale.ROOT, "%-22s %s%n", current, result);
      bar();
    } else {
      err.println(result);
      err.flush();
    }
  }

  void finish() {
    if (terminal) {
      err.print("\r\033[K");
    }
    err.printf(Locale.ROOT, "%d rows in %.0f s%n", done, (System.nanoTime() - started) / 1e9);
    err.flush();
  }

  private void bar() {
    int filled = total == 0 ? WIDTH : done * WIDTH / total;
    err.printf(Locale.ROOT, "\r\033[K[%s%s] %d/%d %s", "#".repeat(filled), " ".repeat(WIDTH - filled), done, total,
        done < total ? current : "");
    err.flush();
  }

  /** isatty(2): System.console() only says whether stdin and stdout both are one. */
  static boolean stderrIsTerminal() {
    try {
      return LibC.INSTANCE.isatty(2) == 1;
    } catch (LinkageError | RuntimeException e) {
      return false;
    }
  }

  private interface LibC extends Library {
    LibC INSTANCE = Native.load("c", LibC.class);

    int isatty(int fd);
  }
}
