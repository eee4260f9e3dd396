package dev.ipckit.bench;

/**
 * The receiver's clock for one-way throughput: the first batch starts the warm-up, the first batch
 * after it opens the measured window, the first batch after the window's length closes it. A
 * receiver calls {@link #batch} after each read (raw) or poll (ipckit) with its running count, so
 * both pay one {@code nanoTime} per batch and none per message.
 */
final class ThroughputMeter {
  private final int size;
  private final long warmupNanos;
  private final long windowNanos;
  private long first = -1;
  private long startTime = -1;
  private long startCount;
  private long endTime = -1;
  private long endCount;
  private long batches;

  ThroughputMeter(int size, long warmupNanos, long windowNanos) {
    this.size = size;
    this.warmupNanos = warmupNanos;
    this.windowNanos = windowNanos;
  }

  int size() {
    return size;
  }

  void batch(long count) {
    if (endTime >= 0) {
      return;
    }
    long now = System.nanoTime();
    batches++;
    if (first < 0) {
      first = now;
    } else if (startTime < 0) {
      if (now - first >= warmupNanos) {
        startTime = now;
        startCount = count;
        batches = 0;
      }
    } else if (now - startTime >= windowNanos) {
      endTime = now;
      endCount = count;
    }
  }

  /** Called at the stop marker with the final count; the window ends there if the sender stopped early. */
  ThroughputResult finish(long count, long checksum) {
    if (startTime < 0) {
      throw new IllegalStateException("the sender stopped during the warm-up after " + count
          + " messages: no measured window");
    }
    boolean complete = endTime >= 0;
    if (!complete) {
      endTime = System.nanoTime();
      endCount = count;
    }
    return new ThroughputResult(size, endCount - startCount, endTime - startTime, batches, count, checksum,
        complete);
  }
}
