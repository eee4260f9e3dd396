package dev.ipckit.bench;

import picocli.CommandLine;

/** Runs {@link BenchCommand} on its own: {@code java dev.ipckit.bench.BenchMain [options]}. */
public final class BenchMain {
  private BenchMain() {}

  public static void main(String[] args) {
    System.exit(new CommandLine(new BenchCommand()).execute(args));
  }
}
