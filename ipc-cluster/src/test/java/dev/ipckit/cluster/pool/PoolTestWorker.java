package dev.ipckit.cluster.pool;

import dev.ipckit.codec.Codec;
import dev.ipckit.codec.KryoCodec;
import java.io.IOException;

/** The worker main of the pool tests: well-behaved tasks, and tasks that crash, throw or hang on purpose. */
public final class PoolTestWorker {
  static final String[] FAST_JVM = {"-Xmx48m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k"};
  private static final Codec<Long> LONG = KryoCodec.builder().build(Long.class);

  static final TaskType<Long, Long> SQUARE = TaskType.of("square", LONG, LONG);
  /** Answers this worker's pid (the input is ignored). */
  static final TaskType<Long, Long> PID = TaskType.of("pid", LONG, LONG);
  static final TaskType<Long, Long> SLEEP = TaskType.of("sleep", LONG, LONG);
  static final TaskType<Long, Long> FAIL = TaskType.of("fail", LONG, LONG);
  /** System.exit(input) in the middle of the task. */
  static final TaskType<Long, Long> EXIT = TaskType.of("exit", LONG, LONG);
  /** Runtime.halt(input): no shutdown hooks. */
  static final TaskType<Long, Long> HALT = TaskType.of("halt", LONG, LONG);
  /** kill -9 of its own process. */
  static final TaskType<Long, Long> KILL9 = TaskType.of("kill9", LONG, LONG);
  /** Sleeps forever; SIGTERM ends it. */
  static final TaskType<Long, Long> HANG = TaskType.of("hang", LONG, LONG);
  /** Sleeps forever with a shutdown hook that does too, so SIGTERM cannot end it: only SIGKILL. */
  static final TaskType<Long, Long> STUBBORN = TaskType.of("stubborn", LONG, LONG);

  private PoolTestWorker() {}

  public static void main(String[] args) throws IOException {
    PoolWorker.create()
        .handle(SQUARE, n -> n * n)
        .handle(PID, n -> ProcessHandle.current().pid())
        .handle(SLEEP, ms -> {
          sleep(ms);
          return ms;
        })
        .handle(FAIL, n -> {
          throw new IllegalArgumentException("no good: " + n);
        })
        .handle(EXIT, code -> {
          System.exit(code.intValue());
          return code;
        })
        .handle(HALT, code -> {
          Runtime.getRuntime().halt(code.intValue());
          return code;
        })
        .handle(KILL9, n -> {
          try {
            new ProcessBuilder("kill", "-9", String.valueOf(ProcessHandle.current().pid())).start().waitFor();
          } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
          }
          sleep(Long.MAX_VALUE);
          return n;
        })
        .handle(HANG, n -> {
          sleep(Long.MAX_VALUE);
          return n;
        })
        .handle(STUBBORN, n -> {
          Runtime.getRuntime().addShutdownHook(new Thread(() -> sleep(Long.MAX_VALUE)));
          sleep(Long.MAX_VALUE);
          return n;
        })
        .run();
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
