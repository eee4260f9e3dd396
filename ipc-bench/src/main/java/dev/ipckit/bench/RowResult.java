package dev.ipckit.bench;

/** One row of the table: a target at one message size. */
record RowResult(Target target, int size, ThroughputResult throughput, LatencyResult latency) {}
