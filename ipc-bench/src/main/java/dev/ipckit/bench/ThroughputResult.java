package dev.ipckit.bench;

/**
 * One-way throughput over the measured window.
 *
 * @param messages messages received inside the window
 * @param nanos the window's length
 * @param batches reads (raw) or polls (ipckit) that returned data inside the window
 * @param total every message received, warm-up and tail included
 * @param checksum the receiver's checksum over all {@code total} messages
 * @param complete false if the stop marker came before the window's planned end
 */
record ThroughputResult(int size, long messages, long nanos, long batches, long total, long checksum, boolean complete) {

  double messagesPerSecond() {
    return messages * 1e9 / nanos;
  }

  /** Payload megabytes (10^6 bytes) per second; frame headers are not counted. */
  double megabytesPerSecond() {
    return messagesPerSecond() * size / 1e6;
  }

  /** Messages handed over per read or poll: how much each wake-up of the receiver carried. */
  double messagesPerBatch() {
    return batches == 0 ? 0 : (double) messages / batches;
  }

  /** The checksum the sender's numbering implies: byte 0 of message i is (byte) i. */
  static long expectedChecksum(long count) {
    long sum = (count / 256) * -128L; // -128..127 sum to -128
    for (long i = 0; i < count % 256; i++) {
      sum += (byte) i;
    }
    return sum;
  }

  /** Throws if messages were lost, duplicated or reordered across a 256-message cycle. */
  ThroughputResult verified(String row) {
    long expected = expectedChecksum(total);
    if (checksum != expected) {
      throw new IllegalStateException(row + ": checksum " + checksum + " over " + total
          + " messages, expected " + expected + ": messages were lost or reordered");
    }
    return this;
  }
}
