package dev.ipckit.cluster.internal;

import java.util.function.IntConsumer;

/**
 * Runs code on SIGTERM, SIGINT and SIGHUP with {@code sun.misc.Signal} (module jdk.unsupported,
 * exported without flags). A shutdown hook cannot do what a supervisor must: it cannot tell a
 * second SIGTERM from the first (which forces the stop), it cannot keep the JVM from exiting
 * with 143 once it returns (a graceful stop exits 0), and there is no hook for SIGHUP (reload).
 * Not API.
 */
public final class SignalTraps {
  private SignalTraps() {}

  /**
   * Traps {@code names} ("TERM", "INT", "HUP"); {@code handler} gets the signal number, on a
   * thread the JVM starts for each signal.
   *
   * @throws IllegalStateException the JVM will not let a signal be trapped (run with -Xrs, or
   *     the signal is the JVM's own), naming it
   */
  public static void trap(IntConsumer handler, String... names) {
    for (String name : names) {
      try {
        sun.misc.Signal.handle(new sun.misc.Signal(name), s -> handler.accept(s.getNumber()));
      } catch (IllegalArgumentException e) {
        throw new IllegalStateException("cannot trap SIG" + name + " (is the JVM running with -Xrs?): "
            + e.getMessage(), e);
      }
    }
  }
}
