package dev.ipckit.pipe;

/**
 * How a child process ended: it exited with {@code code} (and {@code signal} is 0), or it was
 * killed by {@code signal} (and {@code code} is -1).
 */
public record ExitStatus(int code, int signal) {

  public static ExitStatus exited(int code) {
    return new ExitStatus(code, 0);
  }

  public static ExitStatus killed(int signal) {
    return new ExitStatus(-1, signal);
  }

  /** Decodes a wait(2) status word. */
  static ExitStatus fromWaitStatus(int status) {
    int termSignal = status & 0x7f;
    if (termSignal == 0) {
      return exited((status >> 8) & 0xff);
    }
    return killed(termSignal);
  }

  public boolean wasKilled() {
    return signal != 0;
  }

  /** Exited with code 0. */
  public boolean success() {
    return signal == 0 && code == 0;
  }

  /** The code a shell would report: the exit code, or 128 + the signal number. */
  public int shellCode() {
    return signal != 0 ? 128 + signal : code;
  }

  @Override
  public String toString() {
    return signal != 0 ? "killed by " + Signal.name(signal) : "exit code " + code;
  }
}
