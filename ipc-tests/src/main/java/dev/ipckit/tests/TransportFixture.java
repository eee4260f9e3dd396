package dev.ipckit.tests;

import dev.ipckit.Capabilities;
import dev.ipckit.Channel;
import dev.ipckit.ChannelServer;
import dev.ipckit.Channels;
import java.io.File;
import java.io.IOException;
import java.nio.channels.ByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * What the conformance suite needs to know about one transport: how to make a connected pair, how
 * to reach a peer in another process, how to write raw bytes at it, and what it leaves behind.
 *
 * <p>The defaults fit any transport with a server side: {@link #serverUri} is all a subclass
 * must say. Transports whose peer is always a child process (pipe:, fd:) override
 * {@link #startPeer} and {@link #connectedPair}.
 */
public abstract class TransportFixture implements AutoCloseable {
  private final Capabilities capabilities;
  private final Path scratch;
  private final List<AutoCloseable> toClose = new ArrayList<>();

  protected TransportFixture(Capabilities capabilities) {
    this.capabilities = capabilities;
    try {
      this.scratch = Files.createTempDirectory("ipckit-test-");
    } catch (IOException e) {
      throw new IllegalStateException("cannot create a scratch directory", e);
    }
  }

  public Capabilities capabilities() {
    return capabilities;
  }

  /** A private directory (0700) for this fixture's files; removed by {@link #close}. */
  public Path scratch() {
    return scratch;
  }

  /**
   * A new URI a server can listen at, different on every call, with {@code options} (a query
   * string without '?', possibly empty) appended.
   */
  public abstract String serverUri(String options);

  /** Starts a server at a fresh URI; the fixture closes it at the end of the test. */
  public ChannelServer listen(String options) throws IOException {
    return closeLater(Channels.listen(serverUri(options)));
  }

  /**
   * A client channel and the server's end of it, in this process. The server accepts on another
   * thread while the client opens, so a transport whose {@code open} waits for the server's
   * handshake (sent from {@code accept}) does not deadlock here.
   */
  public Pair connectedPair(String options) throws IOException {
    ChannelServer server = listen(options);
    CompletableFuture<Channel> accepted = acceptAsync(server, Duration.ofSeconds(10));
    Channel client;
    try {
      client = closeLater(Channels.open(server.uri()));
    } catch (IOException | RuntimeException e) {
      accepted.cancel(true);
      throw e;
    }
    Channel channel;
    try {
      channel = accepted.get(15, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw new IOException("server " + server.uri() + " failed to accept: " + e.getCause(), e.getCause());
    } catch (TimeoutException | InterruptedException e) {
      throw new IOException("server " + server.uri() + " did not return from accept", e);
    }
    if (channel == null) {
      throw new IOException("server " + server.uri() + " accepted nothing within 10 s");
    }
    return new Pair(client, channel, server);
  }

  /** Calls {@code server.accept(timeout)} on a new thread; what it accepts is closed by the fixture. */
  public CompletableFuture<Channel> acceptAsync(ChannelServer server, Duration timeout) {
    CompletableFuture<Channel> f = new CompletableFuture<>();
    Thread t = new Thread(() -> {
      try {
        Channel c = server.accept(timeout);
        if (c != null) {
          closeLater(c);
        }
        f.complete(c);
      } catch (Throwable e) {
        f.completeExceptionally(e);
      }
    }, "conformance-accept");
    t.setDaemon(true);
    t.start();
    return f;
  }

  /**
   * JVM options for the child JVMs of {@link #startPeer}: what the transport's library needs from
   * a JVM (shm: passes Chronicle Queue's {@code --add-opens} flags). None by default.
   */
  protected List<String> childJvmArgs() {
    return List.of();
  }

  /**
   * Starts {@link PeerMain} in a child JVM in {@code mode} and returns the channel to it. The
   * default listens here and lets the child connect to {@code server.uri()}.
   */
  public ChildPeer startPeer(String options, String mode, String... args) throws IOException {
    ChannelServer server = listen(options);
    String[] argv = new String[args.length + 2];
    argv[0] = server.uri();
    argv[1] = mode;
    System.arraycopy(args, 0, argv, 2, args.length);
    File log = ChildJvm.newLogFile(PeerMain.class);
    Process process = ChildJvm.start(PeerMain.class, childJvmArgs(), log, argv);
    ChildPeer peer = closeLater(new ChildPeer(process, null, log.toPath()));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    Channel channel = null;
    while (channel == null && System.nanoTime() < deadline) {
      channel = server.accept(Duration.ofMillis(250));
      if (channel == null && !process.isAlive()) {
        throw new IOException("peer process " + process.pid() + " exited with " + process.exitValue()
            + " before connecting to " + server.uri() + "; its output:\n" + peer.output());
      }
    }
    if (channel == null) {
      throw new IOException("peer process " + process.pid() + " did not connect to " + server.uri()
          + " within 30 s; alive=" + process.isAlive() + "; its output:\n" + peer.output());
    }
    peer.channel = closeLater(channel);
    return peer;
  }

  /**
   * A raw byte stream to {@code server}, bypassing ipckit's framing and handshake, for the
   * garbage and truncated-frame cases (capability BYTE_STREAM).
   */
  public ByteChannel rawConnect(ChannelServer server) throws IOException {
    throw new UnsupportedOperationException("this transport has no raw byte stream");
  }

  /**
   * A channel whose peer is raw bytes, for the garbage and truncated-frame cases (capability
   * BYTE_STREAM). The default connects a raw client ({@link #rawConnect}) to a new server;
   * transports without a server (fd:, pipe:) override it to keep the raw other end of the
   * socketpair or pipes they open the channel on ({@link #rawPair}).
   */
  public RawConnection rawConnection(String options) throws IOException {
    ChannelServer server = listen(options);
    ByteChannel raw = rawConnect(server);
    return new RawConnection(raw, server, timeout -> {
      Channel c = server.accept(timeout);
      return c == null ? null : closeLater(c);
    });
  }

  /**
   * A {@link RawConnection} for a transport without a server: {@code openOtherEnd} opens the
   * channel on the end that {@code raw} is not, on its own thread, since opening waits for the
   * peer's hello.
   */
  protected RawConnection rawPair(ByteChannel raw, Callable<Channel> openOtherEnd) {
    closeLater(raw);
    CompletableFuture<Channel> opening = new CompletableFuture<>();
    Thread t = new Thread(() -> {
      try {
        opening.complete(closeLater(openOtherEnd.call()));
      } catch (Throwable e) {
        opening.completeExceptionally(e);
      }
    }, "conformance-open");
    t.setDaemon(true);
    t.start();
    return new RawConnection(raw, null, timeout -> {
      try {
        return opening.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
      } catch (TimeoutException e) {
        return null;
      } catch (ExecutionException e) {
        if (e.getCause() instanceof Exception cause) {
          throw cause;
        }
        throw e;
      }
    });
  }

  /**
   * A raw byte stream and the channel at its other end.
   *
   * @param server the server {@code raw} connected to, or null when the channel is one end of a
   *     pair made here (then no other client can connect)
   */
  public record RawConnection(ByteChannel raw, ChannelServer server, ChannelAwaiter awaiter) {
    /**
     * The channel once its handshake completed, or null if none came within {@code timeout}; a
     * channel that failed to open (only without a server: a server drops such clients silently)
     * throws why.
     */
    public Channel channel(Duration timeout) throws Exception {
      return awaiter.await(timeout);
    }
  }

  /** How a {@link RawConnection} waits for its channel. */
  @FunctionalInterface
  public interface ChannelAwaiter {
    Channel await(Duration timeout) throws Exception;
  }

  // ---------------------------------------------------------------------------------------------
  // durable logs (capability DURABLE): what the replay cases need

  /** Where a reader with no saved position starts: the oldest message kept. */
  public static final String START_BEGINNING = "beginning";
  /** Where a reader with no saved position starts: only messages appended after it opened. */
  public static final String START_END = "end";

  /**
   * For DURABLE transports: a new, empty durable log (a URI base, different on every call) that
   * channels from {@link #logWriterUri} append to and channels from {@link #logReaderUri} replay.
   * Whatever it leaves behind is removed by {@link #closeAll}.
   */
  public String newLog() throws IOException {
    throw new UnsupportedOperationException(getClass().getName() + " declares DURABLE but does not say how to"
        + " open a log: override newLog, logWriterUri, logReaderUri and lastReadPosition");
  }

  /** A URI whose channel appends to {@code log} (and may read it; the cases only send on it). */
  public String logWriterUri(String log) {
    throw new UnsupportedOperationException(getClass().getName() + " does not override logWriterUri");
  }

  /**
   * A URI whose channel reads {@code log} as the reader named {@code name}: opened again after a
   * close or a crash, it resumes at the first message that name had not received, so nothing is
   * lost and nothing is delivered twice to one name. With no saved position it starts at
   * {@code start}: {@link #START_BEGINNING}, {@link #START_END}, or a position from
   * {@link #lastReadPosition}, in which case the first message delivered is the one at that position.
   */
  public String logReaderUri(String log, String name, String start) {
    throw new UnsupportedOperationException(getClass().getName() + " does not override logReaderUri");
  }

  /** The position of the last message {@code reader} (a channel of {@link #logReaderUri}) received. */
  public String lastReadPosition(Channel reader) {
    throw new UnsupportedOperationException(getClass().getName() + " does not override lastReadPosition");
  }

  /**
   * How many of the last messages a named reader received come to it again after it was killed
   * (SIGKILL) and reopened, once it had flushed ({@link Channel#flush}) what it owed the
   * transport. 0, the default, is exactly-once across a crash: the reader's position is saved
   * with each message it takes (shm:). An at-least-once transport that acknowledges a message
   * only when the reader comes back for the next one says 1: the message it was handling when
   * it died comes again, and nothing before it.
   */
  public int unacknowledgedRedeliveredAfterCrash() {
    return 0;
  }

  /** Files the transport left in {@link #scratch()} (socket files, queue files). */
  public List<Path> leftovers() throws IOException {
    try (Stream<Path> s = Files.walk(scratch)) {
      return s.filter(p -> !p.equals(scratch)).toList();
    }
  }

  /**
   * Closes everything this fixture opened (channels, servers, child processes), newest first, and
   * leaves the scratch directory so {@link #leftovers()} can still be checked.
   */
  public void closeAll() {
    List<AutoCloseable> all;
    synchronized (toClose) {
      all = new ArrayList<>(toClose);
      toClose.clear();
    }
    for (int i = all.size() - 1; i >= 0; i--) {
      try {
        all.get(i).close();
      } catch (Exception ignored) {
        // closing the rest matters more
      }
    }
  }

  /** Closes everything this fixture opened, then removes the scratch directory. */
  @Override
  public void close() throws Exception {
    closeAll();
    if (Files.exists(scratch)) {
      try (Stream<Path> s = Files.walk(scratch)) {
        for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  /** Registers something for the fixture to close at the end of the test. */
  public <T extends AutoCloseable> T closeLater(T c) {
    synchronized (toClose) {
      toClose.add(c);
    }
    return c;
  }

  /** A connected pair: {@code client} opened with {@code Channels.open}, {@code server} accepted. */
  public record Pair(Channel client, Channel server, ChannelServer listener) {}

  /** A peer in another process and the channel to it. */
  public static final class ChildPeer implements AutoCloseable {
    private final Process process;
    private final Path log;
    Channel channel;

    public ChildPeer(Process process, Channel channel) {
      this(process, channel, null);
    }

    /** {@code log}: the file the child's stdout and stderr go to, or null. */
    public ChildPeer(Process process, Channel channel, Path log) {
      this.process = process;
      this.channel = channel;
      this.log = log;
    }

    public Channel channel() {
      return channel;
    }

    public Process process() {
      return process;
    }

    /** The last 4 KiB of what the child printed, for failure messages. */
    public String output() {
      if (log == null) {
        return "(no log)";
      }
      try {
        byte[] b = Files.readAllBytes(log);
        int from = Math.max(0, b.length - 4096);
        return (from > 0 ? "..." : "") + new String(b, from, b.length - from, StandardCharsets.UTF_8);
      } catch (IOException e) {
        return "(cannot read " + log + ": " + e + ")";
      }
    }

    /** SIGKILL: no chance to say goodbye. */
    public void kill() throws InterruptedException {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }

    /** Waits for the child to exit and returns its exit code. */
    public int waitFor(Duration timeout) throws InterruptedException {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new AssertionError("peer process " + process.pid() + " still running after " + timeout
            + "; its output:\n" + output());
      }
      return process.exitValue();
    }

    @Override
    public void close() throws InterruptedException {
      if (process.isAlive()) {
        process.destroyForcibly();
      }
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }
}
