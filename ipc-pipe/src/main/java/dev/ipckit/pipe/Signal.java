package dev.ipckit.pipe;

import java.util.Optional;

/** The POSIX signals a parent sends its children (Linux numbering). */
public enum Signal {
  HUP(1),
  INT(2),
  QUIT(3),
  KILL(9),
  USR1(10),
  USR2(12),
  TERM(15),
  CONT(18),
  STOP(19);

  private final int number;

  Signal(int number) {
    this.number = number;
  }

  public int number() {
    return number;
  }

  /** The signal with this number, if it is one of these. */
  public static Optional<Signal> of(int number) {
    for (Signal s : values()) {
      if (s.number == number) {
        return Optional.of(s);
      }
    }
    return Optional.empty();
  }

  /** "SIGTERM", or "signal 42" for a number without a name here. */
  public static String name(int number) {
    return of(number).map(s -> "SIG" + s.name()).orElse("signal " + number);
  }
}
