package dev.ipckit.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The real {@code ./ipc} at the repository root, run as a user runs it (the script, which execs
 * java, so the process is the JVM itself). Integration tests only: it needs ipc-cli packaged.
 */
final class IpcScript {
  static final Path ROOT = root();
  static final Path SCRIPT = ROOT.resolve("ipc");

  private IpcScript() {}

  private static Path root() {
    String given = System.getProperty("ipckit.root");
    Path p = (given != null ? Path.of(given) : Path.of("").toAbsolutePath()).normalize();
    for (Path d = p; d != null; d = d.getParent()) {
      if (Files.isExecutable(d.resolve("ipc")) && Files.isDirectory(d.resolve("ipc-cli"))) {
        return d;
      }
    }
    throw new IllegalStateException("no ./ipc above " + p);
  }

  /** What a finished run printed and how it exited. */
  record Result(int exitCode, String stdout, String stderr) {
    @Override
    public String toString() {
      return "exit " + exitCode + "\n--- stdout\n" + stdout + "--- stderr\n" + stderr;
    }
  }

  /** Runs {@code ./ipc args} to its end with {@code stdin} as its input; kills it after {@code timeout}. */
  static Result run(Duration timeout, String stdin, String... args) throws IOException, InterruptedException {
    Process p = builder(List.of(args)).start();
    Drain out = new Drain(p.getInputStream());
    Drain err = new Drain(p.getErrorStream());
    try (var in = p.getOutputStream()) {
      in.write(stdin.getBytes(StandardCharsets.UTF_8));
    }
    if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      p.destroyForcibly().waitFor();
      throw new AssertionError("ipc " + String.join(" ", args) + " did not end within " + timeout
          + "; stderr so far:\n" + err.text());
    }
    return new Result(p.exitValue(), out.text(), err.text());
  }

  static Result run(String... args) throws IOException, InterruptedException {
    return run(Duration.ofSeconds(60), "", args);
  }

  /** Starts {@code ./ipc args} in the background; closing it stops it (SIGTERM, then SIGKILL). */
  static Running start(String... args) throws IOException {
    return new Running(builder(List.of(args)).start(), String.join(" ", args));
  }

  /** Any command, with the same environment the script's runs get. */
  static ProcessBuilder builder(List<String> command, boolean viaScript) {
    List<String> cmd = new ArrayList<>();
    if (viaScript) {
      cmd.add(SCRIPT.toString());
    }
    cmd.addAll(command);
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(ROOT.toFile());
    pb.environment().remove("IPCKIT_CHANNEL");
    return pb;
  }

  private static ProcessBuilder builder(List<String> args) {
    return builder(args, true);
  }

  /** A command still running: its stdout and stderr are collected as they come. */
  static final class Running implements AutoCloseable {
    private final Process process;
    private final String command;
    private final Drain out;
    private final Drain err;

    private Running(Process process, String command) {
      this.process = process;
      this.command = command;
      this.out = new Drain(process.getInputStream());
      this.err = new Drain(process.getErrorStream());
    }

    /** Waits for a line of stderr matching {@code regex}; returns its first group (or the whole match). */
    String awaitStderr(String regex, Duration timeout) throws InterruptedException {
      Pattern pattern = Pattern.compile(regex);
      long deadline = System.nanoTime() + timeout.toNanos();
      while (System.nanoTime() < deadline) {
        Matcher m = pattern.matcher(err.text());
        if (m.find()) {
          return m.groupCount() > 0 ? m.group(1) : m.group();
        }
        if (!process.isAlive() && err.ended()) {
          break;
        }
        Thread.sleep(20);
      }
      throw new AssertionError("ipc " + command + " printed no line matching " + regex + " within " + timeout
          + (process.isAlive() ? "" : " (it exited with " + process.exitValue() + ")") + "; stderr:\n" + err.text());
    }

    /** Waits for the command to end by itself. */
    Result await(Duration timeout) throws InterruptedException {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new AssertionError("ipc " + command + " did not end within " + timeout + "; stdout:\n" + out.text()
            + "stderr:\n" + err.text());
      }
      out.await();
      err.await();
      return new Result(process.exitValue(), out.text(), err.text());
    }

    /** Stops it as Ctrl-C would (SIGTERM), and waits; SIGKILL if that is not enough. */
    @Override
    public void close() throws InterruptedException {
      process.destroy();
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
      }
      process.descendants().forEach(ProcessHandle::destroyForcibly);
    }
  }

  /** Reads a stream to its end on a thread of its own, so the child never blocks on a full pipe. */
  private static final class Drain {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final Thread thread;

    Drain(InputStream in) {
      thread = new Thread(() -> {
        byte[] buf = new byte[8192];
        try (in) {
          for (int n; (n = in.read(buf)) >= 0; ) {
            synchronized (bytes) {
              bytes.write(buf, 0, n);
            }
          }
        } catch (IOException e) {
          // Process.destroy closes the pipe under a reader that has not reached its end yet
        }
      }, "ipc-script-drain");
      thread.setDaemon(true);
      thread.start();
    }

    String text() {
      synchronized (bytes) {
        return bytes.toString(StandardCharsets.UTF_8);
      }
    }

    boolean ended() {
      return !thread.isAlive();
    }

    void await() throws InterruptedException {
      thread.join(10_000);
    }
  }
}
