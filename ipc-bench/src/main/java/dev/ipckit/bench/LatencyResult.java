package dev.ipckit.bench;

import org.HdrHistogram.Histogram;

/** Round-trip times of one row, in microseconds. */
record LatencyResult(long count, double p50, double p99, double p999, double max) {

  static LatencyResult of(Histogram nanos) {
    return new LatencyResult(nanos.getTotalCount(), micros(nanos.getValueAtPercentile(50)),
        micros(nanos.getValueAtPercentile(99)), micros(nanos.getValueAtPercentile(99.9)),
        micros(nanos.getMaxValue()));
  }

  private static double micros(long nanos) {
    return nanos / 1000.0;
  }
}
