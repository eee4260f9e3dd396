package dev.ipckit.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code ipc bench}: one-way throughput and round-trip latency of every transport between two
 * processes, beside the raw baselines measured in the same run. The table goes to standard
 * output, progress to standard error; {@code --json} and {@code --chart} write files.
 *
 * <p>Bad options exit with code 2 and a one-line message (picocli's parameter errors); a row that
 * fails exits with 1.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true,
    description = {"One-way throughput (msgs/s, MB/s) and round-trip latency (p50/p99/p99.9, corrected for "
        + "coordinated omission) of each transport between two processes, beside its raw baseline "
        + "measured in the same run."})
public final class BenchCommand implements Callable<Integer> {
  /** Jedis and Chronicle log through SLF4J; with no provider it warns on stderr, into the progress lines. */
  static final String SLF4J_VERBOSITY = "slf4j.internal.verbosity";

  @Spec
  CommandSpec spec;

  /** Where the JSON and the chart go when --json / --chart do not say (relative to the working directory). */
  static final Path DEFAULT_DIR = Path.of("bench-results");

  @Option(names = {"-t", "--transports"}, split = ",", paramLabel = "ROW", completionCandidates = RowNames.class,
      description = "Rows to run (default: every row that can run here); an ipckit row brings its baseline "
          + "along. Rows: ${COMPLETION-CANDIDATES}.")
  List<String> transports = new ArrayList<>();

  @Option(names = {"-s", "--sizes"}, split = ",", paramLabel = "SIZE", defaultValue = "64,1KiB,64KiB",
      converter = SizeConverter.class, description = "Message sizes, B/KiB/MiB (default: ${DEFAULT-VALUE}).")
  List<Integer> sizes;

  @Option(names = {"-d", "--duration"}, paramLabel = "TIME", defaultValue = "1s", converter = DurationConverter.class,
      description = "Measured one-way window per row and size (default: ${DEFAULT-VALUE}).")
  Duration duration;

  @Option(names = "--warmup", paramLabel = "TIME", defaultValue = "500ms", converter = DurationConverter.class,
      description = "One-way warm-up before the window (default: ${DEFAULT-VALUE}).")
  Duration warmup;

  @Option(names = "--rtt-iterations", paramLabel = "N", defaultValue = "100000000",
      description = "Measured round trips per row and size, at most; --rtt-time bounds them first by default "
          + "(default: ${DEFAULT-VALUE}).")
  int rttIterations;

  @Option(names = "--rtt-time", paramLabel = "TIME", defaultValue = "400ms", converter = DurationConverter.class,
      description = "Time the measured round trips of a row and size may take, at most (default: ${DEFAULT-VALUE}).")
  Duration rttTime;

  @Option(names = "--rtt-warmup", paramLabel = "N", defaultValue = "1000000",
      description = "Round trips before the measured ones, at most --rtt-warmup-time of them (default: ${DEFAULT-VALUE}).")
  int rttWarmup;

  @Option(names = "--rtt-warmup-time", paramLabel = "TIME", defaultValue = "600ms", converter = DurationConverter.class,
      description = "Time the round trips before the measured ones may take, at most (default: ${DEFAULT-VALUE}).")
  Duration rttWarmupTime;

  @Option(names = "--rounds", paramLabel = "N", defaultValue = "1",
      description = "Repeat the whole run N times and report each row's median (default: ${DEFAULT-VALUE}).")
  int rounds;

  @Option(names = "--json", paramLabel = "FILE",
      description = "Write one JSON record per row and size (default: bench-results/bench-TIME.json).")
  Path json;

  @Option(names = "--chart", paramLabel = "FILE",
      description = "Write a chart of the results, PNG (default: bench-results/bench-TIME.png).")
  Path chart;

  @Option(names = "--redis", paramLabel = "URI",
      description = "Redis server for the redis rows (default: REDIS_URL, else a private one the bench starts).")
  String redis;

  @Option(names = "--peer-jvm-arg", paramLabel = "ARG",
      description = "A flag for every peer JVM (repeatable), e.g. -XX:+UseSerialGC.")
  List<String> peerJvmArgs = new ArrayList<>();

  @Override
  public Integer call() throws Exception {
    if (System.getProperty(SLF4J_VERBOSITY) == null) {
      System.setProperty(SLF4J_VERBOSITY, "ERROR");
    }
    return new BenchRun(settings(), spec.commandLine().getOut(), spec.commandLine().getErr()).run();
  }

  /** The run these options ask for; throws picocli's ParameterException (exit code 2) for bad values. */
  BenchSettings settings() {
    List<Row> rows;
    try {
      rows = transports.isEmpty() ? Rows.ALL : Rows.withBaselines(transports);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    require(!duration.isZero(), "--duration must be more than 0");
    require(!rttTime.isZero(), "--rtt-time must be more than 0");
    require(rttIterations >= 1, "--rtt-iterations must be at least 1");
    require(rttWarmup >= 0, "--rtt-warmup must not be negative");
    require(rounds >= 1, "--rounds must be at least 1");
    String redisUri = redis != null ? redis : System.getenv("REDIS_URL");
    // a run that was not told where to write still leaves its JSON and chart, under one timestamp
    String stamp = DateTimeFormatter.ofPattern("yyyy-MM-dd-HHmmss", Locale.ROOT).format(LocalDateTime.now());
    Path jsonFile = json != null ? json : DEFAULT_DIR.resolve("bench-" + stamp + ".json");
    Path chartFile = chart != null ? chart : DEFAULT_DIR.resolve("bench-" + stamp + ".png");
    return new BenchSettings(List.copyOf(rows), List.copyOf(sizes), warmup, duration, rttWarmup, rttWarmupTime,
        rttIterations, rttTime, rounds, jsonFile, chartFile, redisUri, List.copyOf(peerJvmArgs));
  }

  private void require(boolean ok, String message) {
    if (!ok) {
      throw new ParameterException(spec.commandLine(), message);
    }
  }

  /** The row names, for the usage help. */
  static final class RowNames implements Iterable<String> {
    @Override
    public java.util.Iterator<String> iterator() {
      return Rows.ALL.stream().map(Row::label).iterator();
    }
  }

  static final class SizeConverter implements ITypeConverter<Integer> {
    @Override
    public Integer convert(String value) {
      return Units.parseSize(value);
    }
  }

  static final class DurationConverter implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      return Units.parseDuration(value);
    }
  }
}
