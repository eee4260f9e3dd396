package dev.ipckit.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The peer of one row in a child process ({@link PeerMain} in a JVM with this one's class path,
 * started here or by ipc-pipe's Spawn). Its output goes to this process's own; a child still
 * running when the row ends is killed.
 */
final class PeerProcess implements AutoCloseable {
  private static final String LOG_LEVEL = "org.slf4j.simpleLogger.defaultLogLevel";
  private final Process process;

  PeerProcess(Process process) {
    this.process = process;
  }

  /** Starts {@code PeerMain ROW ADDRESS SIZE SEND_NANOS} with ProcessBuilder. */
  static PeerProcess start(BenchContext ctx, Row row, String address, int size, Duration sendFor)
      throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(javaCommand());
    cmd.addAll(jvmArgs(ctx, row));
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(PeerMain.class.getName());
    cmd.addAll(peerArgs(row, address, size, sendFor));
    return new PeerProcess(new ProcessBuilder(cmd).inheritIO().start());
  }

  /** The arguments of {@link PeerMain}. */
  static List<String> peerArgs(Row row, String address, int size, Duration sendFor) {
    return List.of(row.label(), address, Integer.toString(size), Long.toString(sendFor.toNanos()));
  }

  /** The peer JVM's flags: what the row needs, then --peer-jvm-arg. */
  static List<String> jvmArgs(BenchContext ctx, Row row) {
    List<String> args = new ArrayList<>(row.peerJvmFlags());
    args.add("-D" + BenchCommand.SLF4J_VERBOSITY + "=ERROR");
    // the libraries' log level of this JVM (the ipc command's is error unless --verbose): Chronicle
    // would otherwise log its INFO lines from every peer into the progress output
    String level = System.getProperty(LOG_LEVEL);
    if (level != null) {
      args.add("-D" + LOG_LEVEL + "=" + level);
    }
    args.addAll(ctx.settings().peerJvmArgs());
    return args;
  }

  /** The java launcher running this JVM, or java.home's. */
  static String javaCommand() {
    return ProcessHandle.current().info().command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
  }

  Process process() {
    return process;
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** Throws if the child failed; returns when it exited with 0. */
  void awaitExit(Duration timeout) throws IOException, InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new IOException("peer process " + process.pid() + " did not exit within " + timeout.toSeconds() + " s");
    }
    if (process.exitValue() != 0) {
      throw new IOException("peer process " + process.pid() + " exited with " + process.exitValue());
    }
  }

  /** A description of why the child is gone, for an error message. */
  String exitDescription() {
    return process.isAlive() ? "still running" : "exited with " + process.exitValue();
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroyForcibly();
      try {
        process.waitFor(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
