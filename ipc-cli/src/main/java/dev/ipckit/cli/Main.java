package dev.ipckit.cli;

import picocli.CommandLine;

/** Entry point of the {@code ipc} command ({@code ./ipc} at the repository root runs it). */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    quietLibraries(java.util.Arrays.asList(args).contains("--verbose"));
    // transports start non-daemon threads: the command's end is the process's end
    System.exit(run(args));
  }

  /**
   * The libraries under the transports (Chronicle, Jedis) log through slf4j-simple to stderr: only
   * errors, so that a failure stays one line, unless {@code --verbose} asks for more. A level the
   * user set with -D is kept.
   */
  private static void quietLibraries(boolean verbose) {
    String level = "org.slf4j.simpleLogger.defaultLogLevel";
    if (System.getProperty(level) == null) {
      System.setProperty(level, verbose ? "info" : "error");
    }
  }

  /** Runs the command line and returns its exit code: 0 done, 1 failed at run time, 2 bad usage or URI. */
  static int run(String... args) {
    IpcCommand top = new IpcCommand();
    CommandLine cl = new CommandLine(top);
    cl.setExecutionExceptionHandler(new Failures(top));
    return cl.execute(args);
  }
}
