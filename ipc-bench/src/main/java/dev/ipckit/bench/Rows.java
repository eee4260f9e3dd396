package dev.ipckit.bench;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Every row the bench knows, in the order they run for each size: each baseline just before the
 * ipckit rows compared with it, so drift on a noisy machine hits both sides of a ratio.
 */
final class Rows {
  static final List<Row> ALL = List.of(
      SocketRow.RAW_UNIX, SocketRow.UNIX, SocketRow.RAW_TCP, SocketRow.TCP,
      ChildRow.RAW_PIPE, ChildRow.PIPE, ChildRow.RAW_SOCKETPAIR, ChildRow.FD, NodeRow.NODE_IPC,
      ChronicleRow.CHRONICLE_BACKOFF, ChronicleRow.SHM, ChronicleRow.CHRONICLE, ChronicleRow.SHM_BUSY,
      RedisRow.JEDIS, RedisRow.REDIS, RedisRow.JEDIS_STREAM, RedisRow.REDIS_STREAM);

  private Rows() {}

  static Row named(String label) {
    String l = label.trim().toLowerCase(Locale.ROOT);
    for (Row r : ALL) {
      if (r.label().equals(l)) {
        return r;
      }
    }
    throw new IllegalArgumentException("unknown transport '" + label + "'; known: " + labels());
  }

  static String labels() {
    return ALL.stream().map(Row::label).collect(Collectors.joining(", "));
  }

  /**
   * The named rows, each with its baseline (and that one's) when not named (a ratio needs the baseline of
   * the same run), in the order of {@link #ALL}.
   */
  static List<Row> withBaselines(List<String> labels) {
    Set<Row> named = new LinkedHashSet<>();
    for (String s : labels) {
      if (!s.isBlank()) {
        for (Row r = named(s); r != null; r = r.baseline() == null ? null : named(r.baseline())) {
          named.add(r);
        }
      }
    }
    if (named.isEmpty()) {
      throw new IllegalArgumentException("--transports names no transport; known: " + labels());
    }
    List<Row> ordered = new ArrayList<>();
    for (Row r : ALL) {
      if (named.contains(r)) {
        ordered.add(r);
      }
    }
    return ordered;
  }
}
