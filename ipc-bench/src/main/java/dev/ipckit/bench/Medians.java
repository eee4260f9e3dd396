package dev.ipckit.bench;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * Folds the rounds of a run into one row per row and size: the throughput of the median round
 * (by msgs/s) and the median of each latency percentile. With one round, the rows as they are.
 */
final class Medians {
  private Medians() {}

  static List<RowResult> of(List<RowResult> all) {
    Map<String, List<RowResult>> byRow = new LinkedHashMap<>();
    for (RowResult r : all) {
      byRow.computeIfAbsent(r.row().label() + "/" + r.size(), k -> new ArrayList<>()).add(r);
    }
    List<RowResult> out = new ArrayList<>();
    for (List<RowResult> rounds : byRow.values()) {
      RowResult first = rounds.get(0);
      List<RowResult> sorted = new ArrayList<>(rounds);
      sorted.sort(Comparator.comparingDouble(r -> r.throughput().messagesPerSecond()));
      ThroughputResult t = sorted.get(sorted.size() / 2).throughput();
      LatencyResult l = new LatencyResult(first.latency().count(), median(rounds, x -> x.latency().p50()),
          median(rounds, x -> x.latency().p99()), median(rounds, x -> x.latency().p999()),
          median(rounds, x -> x.latency().max()), median(rounds, x -> x.latency().intervalMicros()));
      out.add(new RowResult(first.row(), first.size(), t, l));
    }
    return out;
  }

  private static double median(List<RowResult> rows, ToDoubleFunction<RowResult> f) {
    double[] v = rows.stream().mapToDouble(f).sorted().toArray();
    return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  }
}
