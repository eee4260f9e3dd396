package dev.ipckit.tests;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Starts a main class in a child JVM with this JVM's class path; its output (stdout and stderr)
 * goes to a log file of its own under {@code target/child-logs}, so a failing test can quote it.
 *
 * <p>The child's stdin is a pipe this JVM never writes to: a child can watch it and exit when it
 * reads end-of-file, which happens when this JVM dies (see {@link PeerMain}).
 */
public final class ChildJvm {
  private static final AtomicInteger COUNTER = new AtomicInteger();

  private ChildJvm() {}

  public static Process start(Class<?> main, String... args) throws IOException {
    return start(main, List.of(), args);
  }

  public static Process start(Class<?> main, List<String> jvmArgs, String... args) throws IOException {
    return start(main, jvmArgs, newLogFile(main), args);
  }

  /** Starts {@code main} with its output appended to {@code log}. */
  public static Process start(Class<?> main, List<String> jvmArgs, File log, String... args)
      throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx256m");
    cmd.add("-XX:+UseSerialGC");
    // a child JVM starts in ~0.3 s instead of ~0.6 s on a small machine, and runs as fast
    cmd.add("-XX:TieredStopAtLevel=1");
    cmd.addAll(jvmArgs);
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(main.getName());
    cmd.addAll(List.of(args));
    log.getParentFile().mkdirs();
    return new ProcessBuilder(cmd)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log))
        .redirectInput(ProcessBuilder.Redirect.PIPE)
        .start();
  }

  /**
   * A fresh log file for one child of {@code main}: the build's own directory, never /tmp, so a
   * test leaves nothing behind outside target/.
   */
  public static File newLogFile(Class<?> main) {
    File dir = new File("target", "child-logs");
    dir.mkdirs();
    return new File(dir, main.getSimpleName() + "-" + ProcessHandle.current().pid() + "-"
        + COUNTER.incrementAndGet() + ".log");
  }
}
