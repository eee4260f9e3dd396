package dev.ipckit.redis;

import dev.ipckit.TransportUnavailableException;
import dev.ipckit.redis.internal.EmbeddedRedisBinary;
import dev.ipckit.redis.internal.Errors;
import dev.ipckit.redis.internal.RedisServerProcess;
import dev.ipckit.redis.internal.TestcontainersRedis;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * A Redis server for tests, benchmarks and examples: found or started in the order of DESIGN.md
 * section 8, each step tried only if the one before gave nothing.
 *
 * <ol>
 *   <li>{@link Source#REDIS_URL}: the server the environment variable {@code REDIS_URL} names
 *       ({@code redis://host:port/db}); not ours, so it cannot be stopped.
 *   <li>{@link Source#TESTCONTAINERS}: a {@code redis:7.0} container, when
 *       {@code org.testcontainers:testcontainers} is on the class path and a Docker engine answers
 *       (without one this step costs ~0.4 s).
 *   <li>{@link Source#PATH}: the {@code redis-server} on the PATH.
 *   <li>{@link Source#EMBEDDED}: the binary inside the {@code com.github.codemonstur:embedded-redis}
 *       jar, when it is on the class path (Redis 6.2, Linux and macOS).
 * </ol>
 *
 * A server this class starts listens on a free loopback port, keeps its files in a private temp
 * directory, saves nothing to disk, and is stopped with its directory removed by {@link #close()}
 * or, failing that, when the JVM exits. Testcontainers and embedded-redis are optional
 * dependencies of ipc-redis: add them to your own build to enable those steps.
 *
 * <pre>{@code
 * try (LocalRedis redis = LocalRedis.startNew()) {       // a server of your own
 *   Channel ch = Channels.open(redis.uri() + "?channel=jobs");
 *   redis.stop();  redis.start();                         // a crash and a restart, same port
 * }
 * String uri = LocalRedis.shared().uri();                 // one per JVM, stopped at exit
 * }</pre>
 *
 * Thread-safe.
 */
public final class LocalRedis implements AutoCloseable {

  /** Where a server came from, in the order they are tried. */
  public enum Source { REDIS_URL, TESTCONTAINERS, PATH, EMBEDDED }

  private static LocalRedis shared;

  private final Source source;
  private final String uri;
  private final String description;
  private final Server server; // null for REDIS_URL
  private final Thread shutdownHook;
  private boolean closed;

  private LocalRedis(Source source, String uri, String description, Server server) {
    this.source = source;
    this.uri = uri;
    this.description = description;
    this.server = server;
    if (server == null) {
      shutdownHook = null;
    } else {
      shutdownHook = new Thread(server::closeQuietly, "ipckit-local-redis-stop");
      Runtime.getRuntime().addShutdownHook(shutdownHook);
    }
  }

  /**
   * The JVM's one shared server, found or started on first use (all four sources, in order) and
   * stopped when the JVM exits. Do not stop or close it: others use it.
   *
   * @throws TransportUnavailableException no source gave a server; the message says why for each
   */
  public static synchronized LocalRedis shared() throws TransportUnavailableException {
    if (shared == null) {
      shared = builder().start();
    }
    return shared;
  }

  /**
   * A new server of the caller's own, which it may {@link #stop()}, {@link #start() restart} and
   * must {@link #close()}: Testcontainers, else PATH, else embedded ({@code REDIS_URL} is skipped,
   * since an existing server cannot be restarted).
   */
  public static LocalRedis startNew() throws TransportUnavailableException {
    return builder().sources(Source.TESTCONTAINERS, Source.PATH, Source.EMBEDDED).start();
  }

  /** For a choice of sources, TLS, or extra {@code redis-server} arguments. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The server's address, {@code redis://127.0.0.1:PORT/0} ({@code rediss://} with TLS), with no
   * query: append {@code ?channel=...} and other options.
   */
  public String uri() {
    return uri;
  }

  public Source source() {
    return source;
  }

  /**
   * Where the server came from, for logs and bench reports, e.g. "redis-server 7.0.15 from the
   * PATH (/usr/bin/redis-server), 127.0.0.1:40123".
   */
  public String description() {
    return description;
  }

  /** Whether {@link #stop()} and {@link #start()} work: false for a {@code REDIS_URL} server. */
  public boolean restartable() {
    return server != null;
  }

  /** Kills the server (SIGKILL for a process): every connection drops at once, as in a crash. */
  public void stop() throws IOException {
    ours("stop").stop();
  }

  /** Starts the server again on the same address, after {@link #stop()}; returns once it accepts connections. */
  public void start() throws IOException {
    ours("start").start();
  }

  private Server ours(String what) {
    if (server == null) {
      throw new UnsupportedOperationException("cannot " + what + " " + description
          + ": it is not a server this JVM started");
    }
    return server;
  }

  /** Stops a server this JVM started and removes its files; idempotent. Does nothing for REDIS_URL. */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    if (server != null) {
      server.closeQuietly();
      try {
        Runtime.getRuntime().removeShutdownHook(shutdownHook);
      } catch (IllegalStateException e) {
        // the JVM is already exiting; the hook runs closeQuietly, which is idempotent
      }
    }
  }

  @Override
  public String toString() {
    return description;
  }

  /** Which sources to try and how to start a server. */
  public static final class Builder {
    private List<Source> sources = List.of(Source.values());
    private final List<String> serverArgs = new ArrayList<>();
    private Path tlsCert;
    private Path tlsKey;
    private Path tlsCa;

    private Builder() {}

    /** The sources to try, in this order (default: all four, in the order of {@link Source}). */
    public Builder sources(Source... sources) {
      if (sources.length == 0) {
        throw new IllegalArgumentException("name at least one source");
      }
      this.sources = List.of(sources);
      return this;
    }

    /** Extra {@code redis-server} arguments, e.g. {@code "--notify-keyspace-events", "Ex"} (PATH and EMBEDDED only). */
    public Builder serverArgs(String... args) {
      serverArgs.addAll(Arrays.asList(args));
      return this;
    }

    /**
     * Serve TLS only ({@code rediss://}), with these PEM files: the server's certificate, its key,
     * and the CA that signed it (PATH only: the embedded 6.2 binary is built without TLS).
     * Clients need {@code ?tlsCa=} with the CA file, or the CA in the JVM's trust store.
     */
    public Builder tls(Path certFile, Path keyFile, Path caFile) {
      this.tlsCert = certFile;
      this.tlsKey = keyFile;
      this.tlsCa = caFile;
      return this;
    }

    /**
     * Finds or starts a server from the first source that gives one.
     *
     * @throws TransportUnavailableException every source failed; the message says why, per source
     */
    public LocalRedis start() throws TransportUnavailableException {
      List<String> why = new ArrayList<>();
      for (Source s : sources) {
        try {
          Optional<LocalRedis> r = tryStart(s);
          if (r.isPresent()) {
            return r.get();
          }
          why.add(s + ": not set");
        } catch (IOException | RuntimeException e) {
          why.add(s + ": " + Errors.describe(e));
        }
      }
      throw new TransportUnavailableException("no Redis server: " + String.join("; ", why)
          + ". Set REDIS_URL=redis://host:port/db, or install redis-server (Debian/Ubuntu: apt-get"
          + " install -y redis-server), or add com.github.codemonstur:embedded-redis to the class path");
    }

    private Optional<LocalRedis> tryStart(Source s) throws IOException {
      boolean tls = tlsCert != null;
      if (tls && s != Source.PATH) {
        throw new IOException("TLS is only offered for a redis-server on the PATH");
      }
      switch (s) {
        case REDIS_URL -> {
          String env = System.getenv("REDIS_URL");
          if (env == null || env.isBlank()) {
            return Optional.empty();
          }
          String uri = env.strip().replaceAll("/+$", "");
          return Optional.of(new LocalRedis(s, uri, "the server REDIS_URL names ("
              + RedisEndpoint.redact(uri) + ")", null));
        }
        case TESTCONTAINERS -> {
          if (!serverArgs.isEmpty()) {
            throw new IOException("serverArgs are not passed to a container");
          }
          TestcontainersRedis c = TestcontainersRedis.create(RedisServerProcess.freePort());
          Server server = new ContainerServer(c);
          server.start();
          return Optional.of(new LocalRedis(s, "redis://127.0.0.1:" + c.port() + "/0",
              "a " + TestcontainersRedis.IMAGE + " container (Testcontainers), 127.0.0.1:" + c.port(), server));
        }
        case PATH, EMBEDDED -> {
          Path dir = Files.createTempDirectory("ipckit-redis-");
          try {
            Path binary = s == Source.PATH
                ? onPath("redis-server").orElseThrow(() -> new IOException("no redis-server on the PATH"))
                : EmbeddedRedisBinary.extractTo(dir);
            List<String> args = new ArrayList<>(serverArgs);
            if (tls) {
              args.addAll(List.of("--tls-cert-file", tlsCert.toString(), "--tls-key-file", tlsKey.toString(),
                  "--tls-ca-cert-file", tlsCa.toString(), "--tls-auth-clients", "no"));
            }
            RedisServerProcess p = new RedisServerProcess(binary, dir, args, tls);
            p.start();
            String where = s == Source.PATH ? "from the PATH (" + binary + ")" : "from the embedded-redis jar";
            return Optional.of(new LocalRedis(s, (tls ? "rediss" : "redis") + "://127.0.0.1:" + p.port() + "/0",
                "redis-server " + p.version() + " " + where + ", 127.0.0.1:" + p.port() + (tls ? " (TLS)" : ""),
                new ProcessServer(p)));
          } catch (IOException | RuntimeException e) {
            RedisServerProcess.deleteTree(dir);
            throw e;
          }
        }
        default -> throw new AssertionError(s);
      }
    }
  }

  /** The first executable {@code name} on the PATH. */
  static Optional<Path> onPath(String name) {
    for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      Path p = Path.of(d.isEmpty() ? "." : d, name);
      if (Files.isExecutable(p)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }

  /** What stop/start/close do for each kind of server this class starts. */
  private interface Server {
    void start() throws IOException;

    void stop() throws IOException;

    void closeQuietly();
  }

  private record ProcessServer(RedisServerProcess process) implements Server {
    @Override
    public void start() throws IOException {
      process.start();
    }

    @Override
    public void stop() {
      process.stop();
    }

    @Override
    public void closeQuietly() {
      process.close();
    }
  }

  private record ContainerServer(TestcontainersRedis container) implements Server {
    @Override
    public void start() throws IOException {
      container.start();
    }

    @Override
    public void stop() throws IOException {
      container.stop();
    }

    @Override
    public void closeQuietly() {
      try {
        container.stop();
      } catch (IOException e) {
        // Testcontainers' own reaper removes the container when the JVM exits
      }
    }
  }
}
