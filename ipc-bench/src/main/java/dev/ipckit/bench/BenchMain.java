package dev.ipckit.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * {@code ipc bench}: one-way throughput and round-trip latency of each transport between two
 * processes, beside the raw JDK baselines measured in the same run. Rows run size by size in the
 * interleaved order raw-unix, unix, raw-tcp, tcp, each with a fresh peer child. Progress goes to
 * stderr, the table to stdout, {@code --json FILE} writes one record per transport and size.
 */
public final class BenchMain {
  private BenchMain() {}

  public static void main(String[] args) {
    if (args.length == 1 && (args[0].equals("-h") || args[0].equals("--help"))) {
      System.out.println(BenchOptions.USAGE);
      return;
    }
    BenchOptions options;
    try {
      options = BenchOptions.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("ipc bench: " + e.getMessage());
      System.err.println(BenchOptions.USAGE);
      System.exit(2);
      return;
    }
    try {
      run(options);
    } catch (Exception e) {
      System.err.println("ipc bench failed: " + e);
      e.printStackTrace();
      System.exit(1);
    }
    System.exit(0);
  }

  static void run(BenchOptions options) throws IOException, InterruptedException {
    System.err.printf(Locale.ROOT, "ipc bench: JDK %s, %d cores, %s %s; one-way %.1f s after %.1f s warm-up, "
            + "%,d round trips after %,d%n", Runtime.version(), Runtime.getRuntime().availableProcessors(),
        System.getProperty("os.name"), System.getProperty("os.version"), options.duration().toMillis() / 1e3,
        options.warmup().toMillis() / 1e3, options.rttIterations(), options.rttWarmup());
    Path dir = Files.createTempDirectory("ipc-bench-");
    List<RowResult> rows = new ArrayList<>();
    try {
      Scenario scenario = new Scenario(options, dir);
      int total = options.rounds() * options.sizes().size() * options.targets().size();
      for (int round = 0; round < options.rounds(); round++) {
        runRound(options, scenario, total, rows);
      }
    } finally {
      deleteTree(dir);
    }
    ResultTable table = new ResultTable(Medians.of(rows));
    System.out.println();
    if (options.rounds() > 1) {
      System.out.println("medians of " + options.rounds() + " rounds");
    }
    System.out.print(table.text());
    if (options.json() != null) {
      Files.writeString(options.json(), table.json());
      System.err.println("wrote " + options.json());
    }
  }

  /** One pass over every size and target, in the interleaved order. */
  private static void runRound(BenchOptions options, Scenario scenario, int total, List<RowResult> rows)
      throws IOException, InterruptedException {
    for (int size : options.sizes()) {
      for (Target target : options.targets()) {
        System.err.printf(Locale.ROOT, "[%d/%d] %-8s %7s ... ", rows.size() + 1, total, target.label(),
            ResultTable.size(size));
        RowResult r = scenario.run(target, size);
        rows.add(r);
        System.err.printf(Locale.ROOT, "%,12.0f msgs/s  rtt p50 %.1f us%n", r.throughput().messagesPerSecond(),
            r.latency().p50());
      }
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
