package dev.ipckit.bench;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * One run of the bench: every size, and for each size every row that can run here in the order of
 * {@link Rows#ALL}, each with a fresh peer; then the table, the JSON and the chart. A row that
 * cannot run here is left out with the reason; a row that fails is reported and the run goes on
 * (exit code 1 at the end).
 */
final class BenchRun {
  private final BenchSettings settings;
  private final PrintWriter out;
  private final PrintWriter err;

  BenchRun(BenchSettings settings, PrintWriter out, PrintWriter err) {
    this.settings = settings;
    this.out = out;
    this.err = err;
  }

  int run() throws IOException, InterruptedException {
    err.printf(Locale.ROOT, "ipc bench: JDK %s, %d cores, %s %s; one-way %.1f s after %.1f s warm-up, "
            + "up to %,d round trips (%.1f s) after up to %,d (%.1f s)%n", Runtime.version(),
        Runtime.getRuntime().availableProcessors(), System.getProperty("os.name"), System.getProperty("os.version"),
        seconds(settings.duration()), seconds(settings.warmup()), settings.rttIterations(),
        seconds(settings.rttTime()), settings.rttWarmup(), seconds(settings.rttWarmupTime()));
    List<RowResult> results = new ArrayList<>();
    List<String> failures = new ArrayList<>();
    try (BenchContext ctx = new BenchContext(settings)) {
      List<Row> rows = new ArrayList<>();
      for (Row r : settings.rows()) {
        Optional<String> why = r.unavailability(ctx);
        if (why.isPresent()) {
          err.println("ipc bench: leaving out " + r.label() + ": " + why.get());
        } else {
          rows.add(r);
        }
      }
      if (ctx.redisDescription() != null) {
        err.println("ipc bench: Redis: " + ctx.redisDescription());
      }
      err.flush();
      Scenario scenario = new Scenario(ctx);
      Progress progress = Progress.on(err, settings.rounds() * settings.sizes().size() * rows.size());
      for (int round = 0; round < settings.rounds(); round++) {
        for (int size : settings.sizes()) {
          for (Row row : rows) {
            progress.starting(row.label() + " " + Units.size(size));
            try {
              RowResult r = row.measure(scenario, size);
              results.add(r);
              progress.done(String.format(Locale.ROOT, "%,14.0f msgs/s  rtt p50 %8.1f us",
                  r.throughput().messagesPerSecond(), r.latency().p50()));
            } catch (IOException | RuntimeException e) {
              String f = row.label() + " " + Units.size(size) + ": " + e;
              failures.add(f);
              progress.done("FAILED: " + e);
            }
          }
        }
      }
      progress.finish();
    }
    List<RowResult> merged = Medians.of(results);
    ResultTable table = new ResultTable(merged);
    out.println();
    if (settings.rounds() > 1) {
      out.println("medians of " + settings.rounds() + " rounds");
    }
    out.print(table.text());
    out.flush();
    if (settings.json() != null) {
      Files.writeString(withParent(settings.json()), table.json());
      err.println("wrote " + settings.json());
    }
    if (settings.chart() != null) {
      new BenchChart(table, merged).write(withParent(settings.chart()), String.format(Locale.ROOT, "%d cores, %s",
          Runtime.getRuntime().availableProcessors(), java.time.LocalDate.now()));
      err.println("wrote " + settings.chart());
    }
    for (String f : failures) {
      err.println("ipc bench: row failed: " + f);
    }
    err.flush();
    return failures.isEmpty() ? 0 : 1;
  }

  /** {@code file}, once the directory it goes in exists. */
  private static Path withParent(Path file) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    return file;
  }

  private static double seconds(java.time.Duration d) {
    return d.toMillis() / 1e3;
  }
}
