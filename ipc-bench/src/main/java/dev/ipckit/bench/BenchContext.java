package dev.ipckit.bench;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * What the rows of one run share: the settings and a private temporary directory (socket files,
 * queues, scripts), removed with everything in it on close.
 */
final class BenchContext implements Closeable {
  private final BenchSettings settings;
  private final Path dir;
  private final AtomicLong names = new AtomicLong();

  BenchContext(BenchSettings settings) throws IOException {
    this.settings = settings;
    this.dir = Files.createTempDirectory("ipc-bench-");
  }

  BenchSettings settings() {
    return settings;
  }

  /** A fresh name in the run's directory (nothing is created). */
  Path newPath(String prefix, String suffix) {
    return dir.resolve(prefix + "-" + names.incrementAndGet() + suffix);
  }

  /**
   * Channel options for every ipckit URI of the run ({@code -Dipckit.bench.query=?sendBuffer=64KiB}),
   * to try a setting against the same baselines; empty by default.
   */
  String channelQuery() {
    return System.getProperty("ipckit.bench.query", "");
  }

  @Override
  public void close() throws IOException {
    deleteTree(dir);
  }

  static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
