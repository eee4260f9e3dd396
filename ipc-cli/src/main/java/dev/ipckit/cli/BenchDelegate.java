package dev.ipckit.cli;

import dev.ipckit.bench.BenchMain;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Unmatched;

/**
 * {@code ipc bench}: hands its arguments to ipc-bench's own parser, which prints its options with
 * {@code --help}. Stands in until ipc-bench has a picocli command of its own.
 */
@Command(name = "bench", description = "Throughput and round trip of every transport beside its raw baseline "
    + "(ipc bench --help lists the options).")
final class BenchDelegate implements Runnable {
  @Unmatched
  List<String> args = new ArrayList<>();

  @Override
  public void run() {
    BenchMain.main(args.toArray(new String[0])); // exits the JVM with the bench's own exit code
  }
}
