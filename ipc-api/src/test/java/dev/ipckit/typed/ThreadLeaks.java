package dev.ipckit.typed;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.Set;
import java.util.stream.Collectors;

/** Finds ipckit threads that outlive what started them. */
final class ThreadLeaks {
  private ThreadLeaks() {}

  static Set<Thread> ipckitThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.isAlive() && t.getName().startsWith("ipckit-"))
        .collect(Collectors.toSet());
  }

  /** Fails unless every ipckit thread not in {@code before} has ended within a second. */
  static void assertNoneBeyond(Set<Thread> before) throws InterruptedException {
    long deadline = System.nanoTime() + 1_000_000_000L;
    Set<Thread> extra;
    do {
      extra = ipckitThreads();
      extra.removeAll(before);
      if (extra.isEmpty()) {
        return;
      }
      Thread.sleep(10);
    } while (System.nanoTime() < deadline);
    fail("threads still alive a second after close: "
        + extra.stream().map(Thread::getName).sorted().collect(Collectors.joining(", ")));
  }
}
