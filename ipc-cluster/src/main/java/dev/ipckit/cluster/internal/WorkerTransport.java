package dev.ipckit.cluster.internal;

import dev.ipckit.Capability;
import dev.ipckit.Channel;
import dev.ipckit.ChannelServer;
import dev.ipckit.ChannelUri;
import dev.ipckit.Channels;
import dev.ipckit.IpcException;
import dev.ipckit.PeerCredentials;
import dev.ipckit.ProtocolException;
import dev.ipckit.pipe.ChildProcess;
import dev.ipckit.pipe.Spawn;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * The channel between a supervisor and each of its workers, over the transport its
 * configuration names. Not API.
 *
 * <ul>
 *   <li>{@code fd} or {@code pipe} (with {@code ?options}): Spawn gives each worker its own
 *       channel, which the worker finds in {@code IPCKIT_CHANNEL}.
 *   <li>Any URI a transport can listen on ({@code unix:///run/app/sup.sock},
 *       {@code tcp://127.0.0.1:0}), or the bare words {@code unix} (a socket in a fresh private
 *       directory) and {@code tcp} ({@code tcp://127.0.0.1:0}): the supervisor listens, and each
 *       worker connects to the address it is given in {@code IPCKIT_CHANNEL}.
 * </ul>
 * Either way the worker speaks first: {@link Control#IDENT} with its pid and the random token the
 * supervisor put in its environment ({@value #TOKEN_ENV}), which is how a connection is matched
 * to the process that was started. A connection that says anything else, a token nobody waits
 * for, or nothing within the deadline, is closed and reported.
 */
public final class WorkerTransport implements AutoCloseable {
  /** The environment variable holding a worker's token. */
  public static final String TOKEN_ENV = "IPCKIT_WORKER_TOKEN";
  private static final Duration IDENT_TIMEOUT = Duration.ofSeconds(30);
  private static final SecureRandom RANDOM = new SecureRandom();

  /** A worker's channel and what it said about itself. */
  public record Identified(Channel channel, long pid) {}

  private final String spec;
  private final ChannelUri listenUri; // null for fd/pipe
  private final boolean privateDirectory;
  private final boolean passesHandles;
  private final Map<String, CompletableFuture<Identified>> waiting = new ConcurrentHashMap<>();
  private volatile ChannelServer server;
  private volatile Path directory;
  private volatile Consumer<String> refusals = r -> {};

  private WorkerTransport(String spec, ChannelUri listenUri, boolean privateDirectory) throws IOException {
    this.spec = spec;
    this.listenUri = listenUri;
    this.privateDirectory = privateDirectory;
    ChannelUri probe = listenUri != null ? listenUri
        : ChannelUri.parse(privateDirectory ? "unix:///tmp/probe.sock" : kind(spec).equals("fd") ? "fd:3" : "pipe:");
    this.passesHandles = Channels.provider(probe).capabilities().has(Capability.PASSES_HANDLES);
  }

  /**
   * The transport {@code spec} names: {@code fd}, {@code pipe} (each with {@code ?options}),
   * {@code unix}, {@code tcp}, or a URI to listen on.
   *
   * @throws IllegalArgumentException it names no transport on the class path, or one that cannot listen
   */
  public static WorkerTransport of(String spec) {
    String s = spec == null ? "" : spec.trim();
    try {
      String kind = kind(s);
      if (kind.equals("fd") || kind.equals("pipe")) {
        return new WorkerTransport(s, null, false);
      }
      if (s.equalsIgnoreCase("unix")) {
        return new WorkerTransport(s, null, true);
      }
      if (s.equalsIgnoreCase("tcp")) {
        return new WorkerTransport(s, ChannelUri.parse("tcp://127.0.0.1:0"), false);
      }
      if (!s.contains(":")) {
        throw new IllegalArgumentException("worker transport '" + spec + "' is neither fd, pipe, unix, tcp nor a URI "
            + "such as unix:///run/app/supervisor.sock or tcp://127.0.0.1:0");
      }
      return new WorkerTransport(s, ChannelUri.parse(s), false);
    } catch (IOException e) {
      throw new IllegalArgumentException("worker transport '" + spec + "': " + e.getMessage(), e);
    }
  }

  private static String kind(String spec) {
    int q = spec.indexOf('?');
    String k = (q < 0 ? spec : spec.substring(0, q)).toLowerCase(Locale.ROOT);
    return k.endsWith(":") ? k.substring(0, k.length() - 1) : k;
  }

  /** Whether the listening socket can ride on this channel as a handle (fd:, unix:). */
  public boolean passesHandles() {
    return passesHandles;
  }

  /** Whether the supervisor listens and workers connect (not fd/pipe). */
  public boolean listens() {
    return listenUri != null || privateDirectory;
  }

  @Override
  public String toString() {
    ChannelServer s = server;
    return s != null ? s.uri() : spec;
  }

  /** A fresh token for one worker. */
  public static String newToken() {
    byte[] b = new byte[16];
    RANDOM.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }

  /** Starts listening (for a transport that listens); connections that are refused are told to {@code refusals}. */
  public void open(Consumer<String> refusals) throws IOException {
    this.refusals = refusals;
    if (!listens()) {
      return;
    }
    ChannelUri uri = listenUri;
    if (privateDirectory) {
      directory = Files.createTempDirectory("ipckit-cluster-",
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      uri = ChannelUri.parse("unix://" + directory.resolve("supervisor.sock"));
    }
    ChannelServer s = Channels.listen(uri.toString());
    server = s;
    Thread acceptor = new Thread(() -> accept(s), "ipckit-cluster-acceptor");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** Sets {@code spawn}'s channel to the supervisor and the worker's token. */
  public void configure(Spawn spawn, String token) {
    spawn.env(TOKEN_ENV, token);
    ChannelServer s = server;
    if (s == null) {
      spawn.channel(spec);
    } else {
      spawn.channel("none").env(Channels.ENV, s.uri());
      waiting.put(token, new CompletableFuture<>());
    }
  }

  /**
   * The channel of the worker started with {@code token}, once it has said who it is; waits up to
   * {@code timeout} (the worker's ready deadline).
   */
  public Identified connect(ChildProcess child, String token, Duration timeout) throws IOException {
    if (server == null) {
      Channel ch = child.channel();
      ByteBuffer first = ch.receive(timeout);
      if (first == null) {
        ch.close();
        throw new IpcException(child + " said nothing on its channel within " + timeout.toMillis() + " ms");
      }
      Map<String, String> f = ident(first, ch.uri());
      return new Identified(ch, pid(f, ch.uri()));
    }
    CompletableFuture<Identified> f = waiting.get(token);
    if (f == null) {
      throw new IllegalStateException("no worker was started with this token");
    }
    try {
      return f.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting for " + child + " to connect to " + this);
    } catch (TimeoutException e) {
      throw new IpcException(child + " did not connect to " + this + " within " + timeout.toMillis() + " ms");
    } catch (ExecutionException e) {
      throw new IpcException(child + " never connected to " + this + ": " + e.getCause().getMessage(), e.getCause());
    } finally {
      waiting.remove(token);
    }
  }

  /** The worker with {@code token} is gone: stop waiting for its connection. */
  public void forget(String token) {
    CompletableFuture<Identified> f = waiting.remove(token);
    if (f != null) {
      f.completeExceptionally(new IpcException("the worker exited before it connected"));
    }
  }

  private void accept(ChannelServer s) {
    while (true) {
      Channel ch;
      try {
        ch = s.accept(Duration.ofSeconds(1));
      } catch (IOException e) {
        return; // closed
      }
      if (ch != null) {
        // one thread each, so a connection that says nothing delays no worker
        Thread t = new Thread(() -> identify(ch), "ipckit-cluster-ident");
        t.setDaemon(true);
        t.start();
      }
    }
  }

  private void identify(Channel ch) {
    String peer = ch.peerCredentials().map(c -> "pid " + c.pid()).orElse(ch.uri());
    try {
      ByteBuffer first = ch.receive(IDENT_TIMEOUT);
      if (first == null) {
        throw new IpcException("it said nothing within " + IDENT_TIMEOUT.toSeconds() + " s");
      }
      Map<String, String> f = ident(first, ch.uri());
      long pid = pid(f, ch.uri());
      Optional<PeerCredentials> cred = ch.peerCredentials();
      if (cred.isPresent() && cred.get().pid() != pid) {
        throw new ProtocolException("it says it is pid " + pid + " but the kernel says pid " + cred.get().pid());
      }
      CompletableFuture<Identified> waiter = waiting.get(f.getOrDefault("token", ""));
      if (waiter == null || !waiter.complete(new Identified(ch, pid))) {
        throw new ProtocolException("its token is no worker's that is waiting to connect (pid " + pid + ")");
      }
    } catch (IOException | RuntimeException e) {
      refusals.accept("a connection to " + this + " from " + peer + " was closed: " + e.getMessage());
      try {
        ch.close();
      } catch (IOException ignored) {
        // refusing it anyway
      }
    }
  }

  private static Map<String, String> ident(ByteBuffer first, String uri) throws ProtocolException {
    byte kind = Control.kind(first);
    if (kind != Control.IDENT) {
      throw new ProtocolException("expected a worker's ident on " + uri + ", got a message of kind '" + (char) kind + "'");
    }
    return Control.fields(Control.text(first));
  }

  private static long pid(Map<String, String> fields, String uri) throws ProtocolException {
    try {
      return Long.parseLong(fields.get("pid"));
    } catch (RuntimeException e) {
      throw new ProtocolException("a worker's ident on " + uri + " has no pid: " + fields);
    }
  }

  /** Stops listening (closing every worker channel it accepted) and removes a private directory. */
  @Override
  public void close() {
    ChannelServer s = server;
    if (s != null) {
      try {
        s.close();
      } catch (IOException ignored) {
        // on the way out
      }
    }
    Path d = directory;
    if (d != null) {
      try {
        Files.deleteIfExists(d.resolve("supervisor.sock"));
        Files.deleteIfExists(d);
      } catch (IOException ignored) {
        // a file someone else put there; the directory is theirs now
      }
    }
    waiting.values().forEach(f -> f.completeExceptionally(new IpcException("the supervisor stopped listening")));
  }
}
