package dev.ipckit.bench;

/** One row of the table: a row at one message size. */
record RowResult(Row row, int size, ThroughputResult throughput, LatencyResult latency) {}
