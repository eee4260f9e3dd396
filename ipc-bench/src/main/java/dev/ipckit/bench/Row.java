package dev.ipckit.bench;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * What one row of the table measures: an ipckit transport, or the raw baseline it is compared
 * with. A row knows how to start its peer in another process and connect to it ({@link #start}),
 * and what the peer does on its side ({@link #peer}). Each ipckit row names its baseline; the two
 * do the same work per message, so the ratio between them is the cost of the library.
 */
abstract class Row {
  private final String label;
  private final String baseline;

  Row(String label, String baseline) {
    this.label = label;
    this.baseline = baseline;
  }

  /** The row's name in the table and on the command line: {@code raw-unix}, {@code unix}, ... */
  final String label() {
    return label;
  }

  /** The label of the row this one is compared with, or null for a baseline. */
  final String baseline() {
    return baseline;
  }

  /** Why this row cannot run in this JVM or on this machine, or empty. */
  Optional<String> unavailability(BenchContext ctx) {
    return Optional.empty();
  }

  /** Measures one message size: by default a {@link Scenario} with a Java peer. */
  RowResult measure(Scenario scenario, int size) throws IOException, InterruptedException {
    return scenario.run(this, size);
  }

  /**
   * Starts the peer, which sends messages of {@code size} for {@code sendFor} and then echoes, and
   * returns the connection to it.
   */
  abstract Session start(BenchContext ctx, int size, Duration sendFor) throws IOException;

  /** The peer's side, in the peer process: its end of the connection, from what {@link #start} told it. */
  abstract BenchLink peer(String address) throws IOException;

  /** JVM flags the peer process needs (besides --peer-jvm-arg). */
  List<String> peerJvmFlags() {
    return List.of();
  }

  @Override
  public String toString() {
    return label;
  }
}
