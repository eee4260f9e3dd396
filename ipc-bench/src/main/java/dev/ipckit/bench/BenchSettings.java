package dev.ipckit.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * What one {@code ipc bench} run does, resolved from the command line.
 *
 * @param warmup one-way warm-up per row and size
 * @param duration one-way measured window per row and size
 * @param rttWarmup round trips before the measured ones, at most (also bounded by {@link #rttWarmupTime})
 * @param rttWarmupTime how long the round trips before the measured ones may take: long enough for
 *     the JIT to compile the round-trip path of both processes (the one-way phase before it runs
 *     other code), or the measured round trips time the interpreter and the compiler threads
 * @param rttIterations measured round trips per row and size, at most (also bounded by
 *     {@link #rttTime})
 * @param rttTime how long the measured round trips of one row and size may take
 * @param redis the Redis server for the redis rows, or null to find one
 */
record BenchSettings(
    List<Row> rows,
    List<Integer> sizes,
    Duration warmup,
    Duration duration,
    int rttWarmup,
    Duration rttWarmupTime,
    int rttIterations,
    Duration rttTime,
    int rounds,
    Path json,
    Path chart,
    String redis,
    List<String> peerJvmArgs) {}
