package dev.ipckit.cluster.pool;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Not a test: prints how fast a pool of 4 workers starts, how many trivial tasks per second it
 * runs, and how long replacing a SIGKILLed worker takes. Run from ipc-cluster after test-compile:
 * {@code java -cp target/test-classes:target/classes:<test class path> dev.ipckit.cluster.pool.PoolThroughput}.
 */
public final class PoolThroughput {
  private PoolThroughput() {}

  public static void main(String[] args) throws Exception {
    int tasks = args.length > 0 ? Integer.parseInt(args[0]) : 50_000;
    long t0 = System.nanoTime();
    try (WorkerPool pool = WorkerPool.builder(PoolTestWorker.class).size(4).jvmArgs(PoolTestWorker.FAST_JVM).start()) {
      System.out.printf("start of 4 workers: %d ms%n", ms(t0));
      run(pool, tasks / 5); // warm-up
      long t1 = System.nanoTime();
      run(pool, tasks);
      double secs = (System.nanoTime() - t1) / 1e9;
      System.out.printf("%d square tasks: %.2f s, %.0f tasks/s%n", tasks, secs, tasks / secs);
      for (int i = 0; i < 3; i++) {
        long victim = pool.workerPids().get(0);
        long t2 = System.nanoTime();
        ProcessHandle.of(victim).orElseThrow().destroyForcibly();
        while (pool.workerPids().contains(victim) || pool.workerPids().size() < 4) {
          Thread.sleep(5);
        }
        System.out.printf("SIGKILL of an idle worker to 4 workers serving again: %d ms%n", ms(t2));
      }
    }
  }

  private static void run(WorkerPool pool, int n) throws Exception {
    List<CompletableFuture<Long>> results = new ArrayList<>(n);
    for (long i = 0; i < n; i++) {
      results.add(pool.submit(PoolTestWorker.SQUARE, i));
    }
    for (int i = 0; i < n; i++) {
      if (results.get(i).get(60, TimeUnit.SECONDS) != (long) i * i) {
        throw new AssertionError("wrong result for " + i);
      }
    }
  }

  private static long ms(long since) {
    return (System.nanoTime() - since) / 1_000_000;
  }
}
