package dev.ipckit.bench;

import org.HdrHistogram.Histogram;

/**
 * Round-trip times of one row, in microseconds, corrected for coordinated omission (see
 * {@link Scenario}).
 *
 * @param count round trips measured
 * @param intervalMicros the expected interval of the correction (the warm-up's median), 0 for none
 */
record LatencyResult(long count, double p50, double p99, double p999, double max, double intervalMicros) {

  static LatencyResult of(Histogram nanos, long count, long intervalNanos) {
    return new LatencyResult(count, micros(nanos.getValueAtPercentile(50)),
        micros(nanos.getValueAtPercentile(99)), micros(nanos.getValueAtPercentile(99.9)),
        micros(nanos.getMaxValue()), micros(intervalNanos));
  }

  private static double micros(long nanos) {
    return nanos / 1000.0;
  }
}
