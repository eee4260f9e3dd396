package dev.ipckit.tests;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What a test must not leave behind, compared with a snapshot taken before it:
 * <ul>
 *   <li>live threads whose name starts with {@value #THREAD_PREFIX} (transports name theirs so);
 *   <li>live child processes of this JVM;
 *   <li>files a fixture left in its scratch directory ({@link TransportFixture#leftovers()});
 *   <li>more sockets, pipes and anon inodes (epoll, eventfd) among this process's open file
 *       descriptors than before (Linux: read from {@code /proc/self/fd}; skipped elsewhere).
 * </ul>
 * Resources are often released asynchronously (a reader thread noticing the close), so
 * {@link #assertNoLeaks} retries for a grace period before it fails, and then names what leaked.
 */
public final class LeakCheck {
  public static final String THREAD_PREFIX = "ipckit-";
  public static final Duration GRACE = Duration.ofSeconds(2);
  private static final Path FD_DIR = Path.of("/proc/self/fd");

  static {
    // The JDK's NIO keeps one socketpair per JVM for closing channels other threads block on,
    // made the first time a SocketChannel is used. Made here, before any snapshot, it is not
    // mistaken for a descriptor that a test leaked.
    for (var family : new java.net.ProtocolFamily[] {java.net.StandardProtocolFamily.UNIX,
        java.net.StandardProtocolFamily.INET}) {
      try (var ch = java.nio.channels.SocketChannel.open(family)) {
        ch.configureBlocking(false);
      } catch (java.io.IOException | UnsupportedOperationException ignored) {
        // a family this platform lacks has nothing to allocate either
      }
    }
    // The JDK's file I/O also keeps one end of a socketpair open for the JVM's life from its first
    // use (sun.nio.ch.FileDispatcherImpl's pre-close descriptor): the first case that reads a file
    // through a FileChannel would be blamed for it.
    try (FileChannel c = FileChannel.open(Path.of(System.getProperty("java.home"), "release"))) {
      c.size();
    } catch (IOException | RuntimeException e) {
      // nothing to initialise then
    }
  }

  private final Set<Long> threadsBefore;
  private final Set<Long> processesBefore;
  private final Map<String, Integer> fdsBefore;
  private final Map<String, String> fdTargetsBefore;

  private LeakCheck(Set<Long> threads, Set<Long> processes, Map<String, String> fdTargets) {
    this.threadsBefore = threads;
    this.processesBefore = processes;
    this.fdTargetsBefore = fdTargets;
    this.fdsBefore = kinds(fdTargets);
  }

  /** Takes the snapshot to compare with; call before the test creates anything. */
  public static LeakCheck snapshot() {
    return new LeakCheck(
        ipckitThreads().stream().map(Thread::getId).collect(Collectors.toSet()),
        liveChildren().stream().map(ProcessHandle::pid).collect(Collectors.toSet()),
        fdTargets());
  }

  /**
   * Fails, naming each leak, unless within {@link #GRACE} every thread, process and descriptor
   * created since the snapshot is gone and {@code fixture} reports no leftovers. Call after the
   * fixture's {@link TransportFixture#closeAll()}.
   */
  public void assertNoLeaks(TransportFixture fixture) throws InterruptedException {
    long deadline = System.nanoTime() + GRACE.toNanos();
    List<String> leaks;
    while (true) {
      leaks = leaks(fixture);
      if (leaks.isEmpty() || System.nanoTime() > deadline) {
        break;
      }
      Thread.sleep(50);
    }
    if (!leaks.isEmpty()) {
      throw new AssertionError("the test leaked (still there " + GRACE.toMillis()
          + " ms after everything was closed):\n  " + String.join("\n  ", leaks));
    }
  }

  /** The leaks now, one line each; empty if none. */
  public List<String> leaks(TransportFixture fixture) {
    List<String> leaks = new ArrayList<>();
    for (Thread t : ipckitThreads()) {
      if (!threadsBefore.contains(t.getId())) {
        leaks.add("thread '" + t.getName() + "' (" + t.getState() + ") at "
            + Arrays.stream(t.getStackTrace()).limit(6).map(String::valueOf)
                .collect(Collectors.joining(" <- ")));
      }
    }
    for (ProcessHandle p : liveChildren()) {
      if (!processesBefore.contains(p.pid())) {
        leaks.add("child process " + p.pid() + ": " + p.info().commandLine().orElse("?"));
      }
    }
    try {
      for (Path p : fixture.leftovers()) {
        leaks.add("file left behind: " + p);
      }
    } catch (IOException e) {
      leaks.add("cannot list the fixture's leftovers: " + e);
    }
    Map<String, String> targets = fdTargets();
    for (Map.Entry<String, Integer> e : kinds(targets).entrySet()) {
      int before = fdsBefore.getOrDefault(e.getKey(), 0);
      if (e.getValue() > before) {
        leaks.add((e.getValue() - before) + " more open " + e.getKey() + " descriptor(s) than before ("
            + e.getValue() + " now, " + before + " before); new since the snapshot: "
            + newDescriptors(targets, e.getKey()));
      }
    }
    return leaks;
  }

  /** The descriptors of {@code kind} not open (or open on something else) at the snapshot. */
  private String newDescriptors(Map<String, String> targets, String kind) {
    List<String> fresh = new ArrayList<>();
    targets.forEach((fd, target) -> {
      if (kind.equals(kindOf(target)) && !target.equals(fdTargetsBefore.get(fd))) {
        String older = fdTargetsBefore.entrySet().stream().filter(b -> b.getValue().equals(target))
            .map(Map.Entry::getKey).findFirst().map(o -> ", a duplicate of fd " + o + " from before the test"
                + " (if that is the JDK's pre-close socket: a channel closed while another thread was blocked"
                + " in I/O on it, whose descriptor stays open until that thread returns)").orElse("");
        fresh.add("fd " + fd + " -> " + target + SocketTable.describe(target) + older);
      }
    });
    return String.join(", ", fresh);
  }

  /** Open descriptors of this process that are sockets, pipes or anon inodes, by kind. */
  public static Map<String, Integer> fdKinds() {
    return kinds(fdTargets());
  }

  private static Map<String, Integer> kinds(Map<String, String> targets) {
    Map<String, Integer> kinds = new HashMap<>();
    for (String target : targets.values()) {
      kinds.merge(kindOf(target), 1, Integer::sum);
    }
    return kinds;
  }

  /** "socket", "pipe" or the anon inode's name (anon_inode:[eventpoll], [eventfd], ...); else null. */
  private static String kindOf(String target) {
    return target.startsWith("socket:") ? "socket"
        : target.startsWith("pipe:") ? "pipe"
        : target.startsWith("anon_inode:") ? target
        : null;
  }

  /** This process's open sockets, pipes and anon inodes: descriptor number to link target. */
  private static Map<String, String> fdTargets() {
    Map<String, String> targets = new HashMap<>();
    if (!Files.isDirectory(FD_DIR)) {
      return targets;
    }
    try (DirectoryStream<Path> fds = Files.newDirectoryStream(FD_DIR)) {
      for (Path fd : fds) {
        String target;
        try {
          target = Files.readSymbolicLink(fd).toString();
        } catch (IOException e) {
          continue; // closed while we looked
        }
        if (kindOf(target) != null) {
          targets.put(fd.getFileName().toString(), target);
        }
      }
    } catch (IOException e) {
      // not Linux, or /proc not mounted: nothing to compare
    }
    return targets;
  }

  /** How many sockets, pipes and anon inodes this process has open. */
  public static int fdCount() {
    return fdKinds().values().stream().mapToInt(Integer::intValue).sum();
  }

  private static List<Thread> ipckitThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.isAlive() && t.getName().startsWith(THREAD_PREFIX))
        .toList();
  }

  private static List<ProcessHandle> liveChildren() {
    return ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).toList();
  }
}
