package dev.ipckit.cli;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A private {@code redis-server} from the PATH for the command tests: a free loopback port, no
 * persistence, its directory removed on close. Without the binary the Redis cases are skipped
 * locally and fail under CI ({@code CI} set), which installs it.
 */
final class RedisServer implements AutoCloseable {
  private final Process process;
  private final Path dir;
  private final int port;

  private RedisServer(Process process, Path dir, int port) {
    this.process = process;
    this.dir = dir;
    this.port = port;
  }

  static RedisServer start() throws IOException, InterruptedException {
    Path binary = RequiredTool.onPath("redis-server", "redis-server");
    Path dir = Files.createTempDirectory("ipc-cli-redis-");
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    Process p = new ProcessBuilder(List.of(binary.toString(), "--port", Integer.toString(port),
        "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir.toString()))
        .redirectErrorStream(true).redirectOutput(dir.resolve("redis.log").toFile()).start();
    RedisServer r = new RedisServer(p, dir, port);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!Files.readString(dir.resolve("redis.log")).contains("Ready to accept connections")) {
      if (!p.isAlive() || System.nanoTime() > deadline) {
        String log = Files.readString(dir.resolve("redis.log"));
        r.close();
        throw new IOException("redis-server on port " + port + " did not start; its log:\n" + log);
      }
      Thread.sleep(20);
    }
    return r;
  }

  /** {@code redis://127.0.0.1:PORT/0}. */
  String uri() {
    return "redis://127.0.0.1:" + port + "/0";
  }

  @Override
  public void close() throws IOException, InterruptedException {
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor();
    }
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(f);
      }
    }
  }
}
