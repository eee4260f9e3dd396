package dev.ipckit.redis;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A {@code redis-server} this test run owns: started from the PATH on a free loopback port with
 * its files in a private temp directory, nothing saved to disk, stopped and removed by
 * {@link #close()}. {@link #stop()} and {@link #start()} restart it on the same port.
 */
final class RedisServerProcess implements AutoCloseable {
  private final Path binary;
  private final Path dir;
  private final int port;
  private final List<String> extraArgs;
  private Process process;

  private RedisServerProcess(Path binary, Path dir, int port, List<String> extraArgs) {
    this.binary = binary;
    this.dir = dir;
    this.port = port;
    this.extraArgs = extraArgs;
  }

  /** The {@code redis-server} on the PATH, if any. */
  static Optional<Path> findBinary() {
    String path = System.getenv().getOrDefault("PATH", "");
    for (String d : path.split(File.pathSeparator)) {
      Path p = Path.of(d.isEmpty() ? "." : d, "redis-server");
      if (Files.isExecutable(p)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }

  /** Starts a new server on a free port; the caller closes it. */
  static RedisServerProcess startNew() throws IOException {
    return startNew(new String[0]);
  }

  /** Starts a new server with {@code extraArgs} after the defaults (e.g. "--appendonly", "yes"). */
  static RedisServerProcess startNew(String... extraArgs) throws IOException {
    Path binary = findBinary().orElseThrow(() -> new IOException(RedisForTests.HOW_TO_INSTALL));
    Path dir = Files.createTempDirectory("ipckit-redis-");
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    RedisServerProcess r = new RedisServerProcess(binary, dir, port, List.of(extraArgs));
    try {
      r.start();
    } catch (IOException | RuntimeException e) {
      r.close();
      throw e;
    }
    return r;
  }

  int port() {
    return port;
  }

  String uri() {
    return "redis://127.0.0.1:" + port + "/0";
  }

  /** Starts the server (again) on its port and waits until it answers PING. */
  synchronized void start() throws IOException {
    if (process != null && process.isAlive()) {
      return;
    }
    List<String> cmd = new java.util.ArrayList<>(List.of(binary.toString(), "--port", String.valueOf(port),
        "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir.toString(), "--daemonize", "no",
        "--logfile", dir.resolve("redis.log").toString(), "--protected-mode", "yes"));
    cmd.addAll(extraArgs);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (true) {
      process = new ProcessBuilder(cmd).directory(dir.toFile())
          .redirectErrorStream(true).redirectOutput(dir.resolve("stdout.log").toFile()).start();
      if (awaitPing(process, deadline)) {
        return;
      }
      // the port may still be held by the previous instance's socket: try again until the deadline
      process.destroyForcibly();
      waitQuietly(process);
      if (System.nanoTime() > deadline) {
        throw new IOException("redis-server on port " + port + " did not answer within 15 s; its log: "
            + log());
      }
    }
  }

  private boolean awaitPing(Process p, long deadline) {
    while (System.nanoTime() < deadline && p.isAlive()) {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 500);
        s.setSoTimeout(1000);
        s.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
        byte[] buf = new byte[7];
        int n = s.getInputStream().read(buf);
        if (n > 0 && new String(buf, 0, n, StandardCharsets.US_ASCII).startsWith("+PONG")) {
          return true;
        }
      } catch (IOException e) {
        // not up yet
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return false;
  }

  /** Kills the server (SIGKILL: every client connection drops at once, as in a crash). */
  synchronized void stop() {
    if (process != null) {
      process.destroyForcibly();
      waitQuietly(process);
      process = null;
    }
  }

  private static void waitQuietly(Process p) {
    try {
      p.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  String log() {
    try {
      return Files.readString(dir.resolve("redis.log"));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  /** Stops the server and removes its directory. */
  @Override
  public synchronized void close() {
    stop();
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      // best effort; the directory is in the temp dir
    }
  }
}
