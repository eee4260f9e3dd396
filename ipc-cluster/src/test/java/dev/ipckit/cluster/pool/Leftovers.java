package dev.ipckit.cluster.pool;

import dev.ipckit.tests.LeakCheck;
import dev.ipckit.tests.ProcessTable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a pool test must not leave behind, against a snapshot: child processes of this JVM
 * (zombies included, read from /proc), ipckit threads, and sockets, pipes and anon inodes in
 * /proc/self/fd.
 */
final class Leftovers {
  private static final long GRACE_MILLIS = 5_000;

  private final Set<Long> children;
  private final Set<Thread> threads;
  private final Map<String, Integer> fds;

  private Leftovers() throws IOException {
    children = new HashSet<>(ProcessTable.children());
    threads = new HashSet<>(ipckitThreads());
    fds = LeakCheck.fdKinds();
  }

  static Leftovers snapshot() throws IOException {
    return new Leftovers();
  }

  /** Fails, naming each, unless within a grace period everything made since the snapshot is gone. */
  void assertNone() throws Exception {
    long end = System.currentTimeMillis() + GRACE_MILLIS;
    List<String> left;
    while (!(left = now()).isEmpty() && System.currentTimeMillis() < end) {
      Thread.sleep(50);
    }
    if (!left.isEmpty()) {
      throw new AssertionError("left behind:\n  " + String.join("\n  ", left));
    }
  }

  private List<String> now() throws IOException {
    List<String> left = new ArrayList<>();
    for (long pid : ProcessTable.children()) {
      if (!children.contains(pid)) {
        left.add("child process " + pid + " (state " + ProcessTable.state(pid) + ")");
      }
    }
    for (Thread t : ipckitThreads()) {
      if (!threads.contains(t)) {
        left.add("thread " + t.getName());
      }
    }
    LeakCheck.fdKinds().forEach((kind, n) -> {
      if (n > fds.getOrDefault(kind, 0)) {
        left.add((n - fds.getOrDefault(kind, 0)) + " more " + kind + " descriptor(s) in /proc/self/fd");
      }
    });
    return left;
  }

  private static List<Thread> ipckitThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.isAlive() && t.getName().startsWith(LeakCheck.THREAD_PREFIX)).toList();
  }
}
