package dev.ipckit.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The results of a run as a text table for people and JSON for machines. An ipckit row is
 * compared with its raw baseline at the same size: {@code x msgs/s} is its throughput over the
 * baseline's (higher is better), {@code x p50} its median round trip over the baseline's (lower
 * is better).
 */
final class ResultTable {
  private final List<RowResult> rows;

  ResultTable(List<RowResult> rows) {
    this.rows = List.copyOf(rows);
  }

  /** The baseline row of {@code r}, or null (a baseline itself, or not measured). */
  RowResult baselineOf(RowResult r) {
    if (r.row().baseline() == null) {
      return null;
    }
    for (RowResult b : rows) {
      if (b.size() == r.size() && b.row().label().equals(r.row().baseline())) {
        return b;
      }
    }
    return null;
  }

  /** The row's msgs/s over its baseline's, or null (no baseline, or one that moved nothing). */
  static Double throughputRatio(RowResult r, RowResult base) {
    return base == null || base.throughput().messagesPerSecond() <= 0 ? null
        : r.throughput().messagesPerSecond() / base.throughput().messagesPerSecond();
  }

  /** The row's median round trip over its baseline's, or null. */
  static Double latencyRatio(RowResult r, RowResult base) {
    return base == null || base.latency().p50() <= 0 ? null : r.latency().p50() / base.latency().p50();
  }

  String text() {
    String[] head = {"transport", "size", "msgs/s", "MB/s", "rtt p50 us", "p99 us", "p99.9 us", "baseline",
        "x msgs/s", "x p50", "msgs/read"};
    List<String[]> lines = new ArrayList<>();
    lines.add(head);
    for (RowResult r : rows) {
      RowResult b = baselineOf(r);
      ThroughputResult t = r.throughput();
      LatencyResult l = r.latency();
      lines.add(new String[] {r.row().label(), Units.size(r.size()), String.format(Locale.ROOT, "%,.0f",
          t.messagesPerSecond()), fmt("%.1f", t.megabytesPerSecond()), fmt("%.1f", l.p50()), fmt("%.1f", l.p99()),
          fmt("%.1f", l.p999()), r.row().baseline() == null ? "-" : r.row().baseline(),
          ratio(throughputRatio(r, b)), ratio(latencyRatio(r, b)), fmt("%.1f", t.messagesPerBatch())});
    }
    int[] width = new int[head.length];
    for (String[] line : lines) {
      for (int i = 0; i < line.length; i++) {
        width[i] = Math.max(width[i], line[i].length());
      }
    }
    StringBuilder sb = new StringBuilder();
    for (String[] line : lines) {
      for (int i = 0; i < line.length; i++) {
        boolean left = i == 0 || i == 7;
        String cell = left ? String.format("%-" + width[i] + "s", line[i]) : String.format("%" + width[i] + "s", line[i]);
        sb.append(i == 0 ? "" : "  ").append(cell);
      }
      sb.append('\n');
    }
    StringBuilder node = new StringBuilder();
    for (RowResult r : rows) {
      Double ratio = throughputRatio(r, baselineOf(r));
      if (r.row() == NodeRow.NODE_IPC && ratio != null && ratio > 0) {
        node.append(node.length() == 0 ? "" : ", ").append(Units.size(r.size())).append(' ')
            .append(fmt("%.1f", 1 / ratio)).append('x');
      }
    }
    if (node.length() > 0) {
      sb.append("ipckit fd: over Node's own IPC (msgs/s): ").append(node).append('\n');
    }
    return sb.toString();
  }

  /** A JSON array with one record per transport and size. */
  String json() {
    StringBuilder sb = new StringBuilder("[\n");
    for (int i = 0; i < rows.size(); i++) {
      RowResult r = rows.get(i);
      RowResult b = baselineOf(r);
      ThroughputResult t = r.throughput();
      LatencyResult l = r.latency();
      sb.append("  {\"transport\": \"").append(r.row().label()).append('"')
          .append(", \"size\": ").append(r.size())
          .append(", \"msgs_per_s\": ").append(fmt("%.1f", t.messagesPerSecond()))
          .append(", \"mb_per_s\": ").append(fmt("%.3f", t.megabytesPerSecond()))
          .append(", \"rtt_p50_us\": ").append(fmt("%.3f", l.p50()))
          .append(", \"rtt_p99_us\": ").append(fmt("%.3f", l.p99()))
          .append(", \"rtt_p999_us\": ").append(fmt("%.3f", l.p999()))
          .append(", \"baseline\": ").append(r.row().baseline() == null ? "null" : "\"" + r.row().baseline() + "\"")
          .append(", \"ratio_to_baseline\": ").append(jsonNumber(throughputRatio(r, b)))
          .append(", \"rtt_p50_ratio_to_baseline\": ").append(jsonNumber(latencyRatio(r, b)))
          .append(", \"msgs_per_read\": ").append(fmt("%.2f", t.messagesPerBatch()))
          .append(", \"window_s\": ").append(fmt("%.3f", t.nanos() / 1e9))
          .append(", \"rtt_samples\": ").append(l.count())
          .append('}').append(i + 1 < rows.size() ? ",\n" : "\n");
    }
    return sb.append("]\n").toString();
  }

  private static String ratio(Double r) {
    return r == null ? "-" : fmt("%.2f", r);
  }

  private static String jsonNumber(Double r) {
    return r == null ? "null" : fmt("%.4f", r);
  }

  private static String fmt(String format, double v) {
    return String.format(Locale.ROOT, format, v);
  }
}
