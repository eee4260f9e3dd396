package dev.ipckit.redis.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A {@code redis-server} binary run as a child process on a fixed loopback port, its files in a
 * private temp directory, nothing saved to disk (not API; {@code dev.ipckit.redis.LocalRedis} is).
 * {@link #stop()} kills it with SIGKILL, as in a crash; {@link #start()} starts it again on the
 * same port; {@link #close()} stops it and removes the directory (and so an extracted binary in it).
 */
public final class RedisServerProcess implements AutoCloseable {
  private static final Pattern VERSION = Pattern.compile("version=([0-9][0-9.]*)");
  private static final long START_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(20);

  private final Path binary;
  private final Path dir;
  private final int port;
  private final List<String> extraArgs;
  private final boolean tls;
  private Process process;
  private String version = "?";

  /**
   * @param binary the redis-server executable
   * @param dir a private directory this object owns and removes on close
   * @param tls true when {@code extraArgs} carry the TLS settings: {@link #port()} is then the
   *     TLS port and the plain port is off
   */
  public RedisServerProcess(Path binary, Path dir, List<String> extraArgs, boolean tls) throws IOException {
    this.binary = binary;
    this.dir = dir;
    this.extraArgs = List.copyOf(extraArgs);
    this.tls = tls;
    this.port = freePort();
  }

  /** A loopback port free at the time of asking. */
  public static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  public int port() {
    return port;
  }

  public Path binary() {
    return binary;
  }

  public Path dir() {
    return dir;
  }

  /** The server's version as its log states it, e.g. {@code 7.0.15}; "?" before the first start. */
  public String version() {
    return version;
  }

  /** Starts the server (again) on its port and waits until it accepts connections. */
  public synchronized void start() throws IOException {
    if (process != null && process.isAlive()) {
      return;
    }
    List<String> cmd = new ArrayList<>(List.of(binary.toString(),
        "--port", tls ? "0" : String.valueOf(port), "--bind", "127.0.0.1",
        "--save", "", "--appendonly", "no", "--dir", dir.toString(), "--daemonize", "no",
        "--logfile", log().toString(), "--protected-mode", "yes"));
    if (tls) {
      cmd.addAll(List.of("--tls-port", String.valueOf(port)));
    }
    cmd.addAll(extraArgs);
    long deadline = System.nanoTime() + START_TIMEOUT_NANOS;
    while (true) {
      Files.deleteIfExists(log());
      process = new ProcessBuilder(cmd).directory(dir.toFile())
          .redirectErrorStream(true).redirectOutput(dir.resolve("stdout.log").toFile()).start();
      if (awaitReady(process, deadline)) {
        return;
      }
      // the port may still be held by the previous instance's socket: try again until the deadline
      process.destroyForcibly();
      waitQuietly(process);
      if (System.nanoTime() > deadline) {
        process = null;
        throw new IOException(binary + " on port " + port + " did not start within "
            + TimeUnit.NANOSECONDS.toSeconds(START_TIMEOUT_NANOS) + " s; its output: " + output());
      }
      sleep(100);
    }
  }

  /** Ready = the log says so and the port accepts a connection (the log line alone comes a little early on 6.x). */
  private boolean awaitReady(Process p, long deadline) {
    while (System.nanoTime() < deadline && p.isAlive()) {
      String log = read(log());
      if (log.contains("Ready to accept connections") && accepts()) {
        Matcher m = VERSION.matcher(log);
        if (m.find()) {
          version = m.group(1);
        }
        return true;
      }
      sleep(20);
    }
    return false;
  }

  private boolean accepts() {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 500);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** Kills the server with SIGKILL: every client connection drops at once, as in a crash. */
  public synchronized void stop() {
    if (process != null) {
      process.destroyForcibly();
      waitQuietly(process);
      process = null;
    }
  }

  public synchronized boolean isRunning() {
    return process != null && process.isAlive();
  }

  private Path log() {
    return dir.resolve("redis.log");
  }

  /** The server's log and console output, for error messages. */
  public String output() {
    return read(log()) + read(dir.resolve("stdout.log"));
  }

  private static String read(Path p) {
    try {
      return Files.readString(p);
    } catch (IOException e) {
      return "";
    }
  }

  private static void waitQuietly(Process p) {
    try {
      p.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Stops the server and removes its directory. */
  @Override
  public synchronized void close() {
    stop();
    deleteTree(dir);
  }

  /** Removes {@code dir} and everything in it, best effort (it is in the temp dir). */
  public static void deleteTree(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      // best effort
    }
  }
}
