package dev.ipckit.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The command line of {@code ipc bench}. Sizes take B/KiB/MiB suffixes ({@code 64,1KiB,64KiB}),
 * durations ms/s ({@code 500ms}, {@code 3s}; a plain number is seconds). {@code --rounds N} repeats
 * the whole interleaved sequence N times and reports each row's median, for a noisy machine.
 */
record BenchOptions(
    List<Target> targets,
    List<Integer> sizes,
    Duration warmup,
    Duration duration,
    int rttWarmup,
    int rttIterations,
    int rounds,
    Path json,
    List<String> peerJvmArgs) {

  static final String USAGE = "usage: ipc bench [--transports raw-unix,unix,raw-tcp,tcp] [--sizes 64,1KiB[,64KiB]]"
      + " [--duration 3s] [--warmup 1s] [--rtt-iterations 50000] [--rtt-warmup 20000] [--rounds 1] [--json FILE]"
      + " [--peer-jvm-arg ARG]...";

  static final int MAX_SIZE = 16 << 20;

  static BenchOptions defaults() {
    return new BenchOptions(List.of(Target.RAW_UNIX, Target.UNIX, Target.RAW_TCP, Target.TCP), List.of(64, 1024),
        Duration.ofSeconds(1), Duration.ofSeconds(3), 20_000, 50_000, 1, null, List.of());
  }

  /** Parses {@code args}; throws IllegalArgumentException with what was wrong. */
  static BenchOptions parse(String... args) {
    BenchOptions d = defaults();
    List<Target> targets = d.targets;
    List<Integer> sizes = d.sizes;
    Duration warmup = d.warmup;
    Duration duration = d.duration;
    int rttWarmup = d.rttWarmup;
    int rttIterations = d.rttIterations;
    int rounds = d.rounds;
    Path json = null;
    List<String> jvmArgs = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      String name = args[i];
      String value;
      int eq = name.indexOf('=');
      if (name.startsWith("--") && eq > 0) {
        value = name.substring(eq + 1);
        name = name.substring(0, eq);
      } else if (i + 1 < args.length) {
        value = args[++i];
      } else {
        throw new IllegalArgumentException("option " + name + " needs a value");
      }
      switch (name) {
        case "--transports", "-t" -> targets = withBaselines(value);
        case "--sizes", "-s" -> sizes = sizes(value);
        case "--duration", "-d" -> duration = duration(name, value);
        case "--warmup" -> warmup = duration(name, value);
        case "--rtt-iterations" -> rttIterations = count(name, value, 1);
        case "--rtt-warmup" -> rttWarmup = count(name, value, 0);
        case "--rounds" -> rounds = count(name, value, 1);
        case "--json" -> json = Path.of(value);
        case "--peer-jvm-arg" -> jvmArgs.add(value);
        default -> throw new IllegalArgumentException("unknown option '" + name + "'");
      }
    }
    if (duration.isZero()) {
      throw new IllegalArgumentException("--duration must be more than 0");
    }
    return new BenchOptions(List.copyOf(targets), List.copyOf(sizes), warmup, duration, rttWarmup, rttIterations,
        rounds, json, List.copyOf(jvmArgs));
  }

  /**
   * The named targets, each ipckit one preceded by its raw baseline when not named (a ratio needs
   * the baseline of the same run), in the interleaved order raw-unix, unix, raw-tcp, tcp.
   */
  static List<Target> withBaselines(String list) {
    Set<Target> named = new LinkedHashSet<>();
    for (String s : list.split(",")) {
      if (!s.isBlank()) {
        Target t = Target.of(s);
        if (t.baseline() != null) {
          named.add(Target.of(t.baseline()));
        }
        named.add(t);
      }
    }
    if (named.isEmpty()) {
      throw new IllegalArgumentException("--transports names no transport");
    }
    List<Target> ordered = new ArrayList<>();
    for (Target t : Target.values()) {
      if (named.contains(t)) {
        ordered.add(t);
      }
    }
    return ordered;
  }

  static List<Integer> sizes(String list) {
    List<Integer> out = new ArrayList<>();
    for (String s : list.split(",")) {
      if (s.isBlank()) {
        continue;
      }
      long n = size(s);
      if (n < 1 || n > MAX_SIZE) {
        throw new IllegalArgumentException("message size '" + s + "' must be between 1 B and 16 MiB"
            + " (byte 0 carries the sequence number)");
      }
      out.add((int) n);
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException("--sizes names no size");
    }
    return out;
  }

  private static long size(String v) {
    String s = v.trim().toLowerCase(Locale.ROOT);
    int i = 0;
    while (i < s.length() && Character.isDigit(s.charAt(i))) {
      i++;
    }
    if (i == 0 || i > 9) {
      return -1;
    }
    long n = Long.parseLong(s.substring(0, i));
    return switch (s.substring(i)) {
      case "", "b" -> n;
      case "k", "kb", "kib" -> n << 10;
      case "m", "mb", "mib" -> n << 20;
      default -> -1;
    };
  }

  static Duration duration(String option, String v) {
    String s = v.trim().toLowerCase(Locale.ROOT);
    int i = 0;
    while (i < s.length() && Character.isDigit(s.charAt(i))) {
      i++;
    }
    if (i == 0 || i > 9) {
      throw new IllegalArgumentException(option + " '" + v + "' is not a duration (e.g. 500ms, 3s)");
    }
    long n = Long.parseLong(s.substring(0, i));
    return switch (s.substring(i)) {
      case "", "s" -> Duration.ofSeconds(n);
      case "ms" -> Duration.ofMillis(n);
      case "m", "min" -> Duration.ofMinutes(n);
      default -> throw new IllegalArgumentException(option + " '" + v + "' is not a duration (e.g. 500ms, 3s)");
    };
  }

  private static int count(String option, String v, int min) {
    try {
      int n = Integer.parseInt(v.trim().replace("_", ""));
      if (n >= min) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException(option + " '" + v + "' must be a whole number >= " + min);
  }
}
