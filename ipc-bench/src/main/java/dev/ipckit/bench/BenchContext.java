package dev.ipckit.bench;

import dev.ipckit.redis.LocalRedis;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * What the rows of one run share: the settings, a private temporary directory (socket files,
 * queues, scripts) removed with everything in it on close, and the Redis server of the redis rows
 * (started on first use when no --redis / REDIS_URL was given, stopped on close).
 */
final class BenchContext implements Closeable {
  private final BenchSettings settings;
  private final Path dir;
  private final AtomicLong names = new AtomicLong();
  private LocalRedis localRedis;
  private String redisUri;
  private IOException redisFailure;

  BenchContext(BenchSettings settings) throws IOException {
    this.settings = settings;
    this.dir = createRunDirectory();
  }

  /**
   * The run's directory: in /dev/shm where that is a writable memory file system (Linux), else the
   * JVM's temporary directory. Chronicle's queues are memory-mapped files; on a disk-backed /tmp the
   * kernel writes their dirty pages back while both processes run, and a 1 KiB plain Chronicle row
   * had 25 ms p99 round trips from that alone (under 1 ms in /dev/shm), in baseline and shm: rows
   * alike: noise that measured the disk, not the transports. shm: users put queues there too.
   */
  private static Path createRunDirectory() throws IOException {
    Path shm = Path.of("/dev/shm");
    if (Files.isDirectory(shm) && Files.isWritable(shm)) {
      return Files.createTempDirectory(shm, "ipc-bench-");
    }
    return Files.createTempDirectory("ipc-bench-");
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

  /**
   * The Redis server's URI: --redis / REDIS_URL, else a private server started now (LocalRedis:
   * redis-server on the PATH, ...).
   *
   * @throws IOException no server could be found or started; the message says why
   */
  synchronized String redis() throws IOException {
    if (redisUri == null && redisFailure == null) {
      if (settings.redis() != null) {
        redisUri = settings.redis();
      } else {
        try {
          // a subscriber that falls behind a pipelined publisher of 64 KiB messages passes the default
          // 32 MiB pub/sub output limit in a fraction of a second and is disconnected
          localRedis = LocalRedis.builder()
              .sources(LocalRedis.Source.TESTCONTAINERS, LocalRedis.Source.PATH, LocalRedis.Source.EMBEDDED)
              .serverArgs("--client-output-buffer-limit", "pubsub 1gb 1gb 0")
              .start();
          redisUri = localRedis.uri();
        } catch (IOException e) {
          redisFailure = e;
        }
      }
    }
    if (redisFailure != null) {
      throw redisFailure;
    }
    return redisUri;
  }

  /** Where the Redis server came from, for the report; null if none was used. */
  synchronized String redisDescription() {
    return localRedis != null ? localRedis.description()
        : redisUri == null ? null : redisUri.replaceAll("//[^@/]*@", "//***@"); // no password in a report
  }

  @Override
  public void close() throws IOException {
    try {
      if (localRedis != null) {
        localRedis.close();
      }
    } finally {
      deleteTree(dir);
    }
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
