package dev.ipckit.cluster;

import static org.junit.jupiter.api.Assertions.fail;

import dev.ipckit.tests.ProcessTable;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/** What /proc says is left of processes a test started: nothing, not even a zombie, is the aim. */
public final class Strays {
  private Strays() {}

  /** Fails unless, within 10 s, none of {@code pids} exists any more and this JVM has no live descendant. */
  public static void assertAllGone(Collection<Long> pids) throws InterruptedException {
    assertAllGone(pids, java.util.Set.of());
  }

  /** As {@link #assertAllGone(Collection)}, but the descendants in {@code before} may live on (a test's Redis). */
  public static void assertAllGone(Collection<Long> pids, java.util.Set<Long> before) throws InterruptedException {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (true) {
      List<String> left = new ArrayList<>();
      for (long pid : pids) {
        char s = ProcessTable.state(pid);
        if (s != 0) {
          left.add(pid + (s == 'Z' ? " (a zombie: nobody reaped it)" : " (state " + s + ": an orphan)"));
        }
      }
      ProcessHandle.current().descendants().filter(p -> p.isAlive() && !before.contains(p.pid()))
          .forEach(p -> left.add(p.pid() + " (a descendant of the test: " + p.info().commandLine().orElse("?") + ")"));
      if (left.isEmpty()) {
        return;
      }
      if (System.nanoTime() > deadline) {
        fail("processes left behind: " + left);
      }
      Thread.sleep(50);
    }
  }
}
