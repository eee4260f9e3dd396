package dev.ipckit.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The peer side of one row in a child JVM with this JVM's class path ({@link PeerMain}). Its
 * output goes to this process's own; a child still running when the row ends is killed.
 */
final class PeerProcess implements AutoCloseable {
  private final Process process;

  private PeerProcess(Process process) {
    this.process = process;
  }

  static PeerProcess start(Target target, String address, int size, Duration sendFor, List<String> jvmArgs)
      throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(javaCommand());
    cmd.addAll(jvmArgs);
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(PeerMain.class.getName());
    cmd.add(target.label());
    cmd.add(address);
    cmd.add(Integer.toString(size));
    cmd.add(Long.toString(sendFor.toNanos()));
    return new PeerProcess(new ProcessBuilder(cmd).inheritIO().start());
  }

  /** The java launcher running this JVM, or java.home's. */
  static String javaCommand() {
    return ProcessHandle.current().info().command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
  }

  long pid() {
    return process.pid();
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
