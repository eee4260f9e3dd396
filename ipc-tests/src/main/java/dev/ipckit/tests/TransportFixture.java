package dev.ipckit.tests;

import dev.ipckit.Capabilities;
import dev.ipckit.Channel;
import dev.ipckit.ChannelServer;
import dev.ipckit.Channels;
import java.io.IOException;
import java.nio.channels.ByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
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
    ChannelServer server = Channels.listen(serverUri(options));
    toClose.add(server);
    return server;
  }

  /** A client channel and the server's end of it, in this process. */
  public Pair connectedPair(String options) throws IOException {
    ChannelServer server = listen(options);
    Channel client = Channels.open(server.uri());
    toClose.add(client);
    Channel accepted = server.accept(Duration.ofSeconds(10));
    if (accepted == null) {
      throw new IOException("server " + server.uri() + " accepted nothing within 10 s");
    }
    toClose.add(accepted);
    return new Pair(client, accepted, server);
  }

  /**
   * Starts {@link PeerMain} in a child JVM in {@code mode} and returns the channel to it. The
   * default listens here and lets the child connect to {@code server.uri()}.
   */
  public ChildPeer startPeer(String options, String mode, String... args) throws IOException {
    ChannelServer server = listen(options);
    String[] all = new String[args.length + 2];
    all[0] = server.uri();
    all[1] = mode;
    System.arraycopy(args, 0, all, 2, args.length);
    Process process = ChildJvm.start(PeerMain.class, all);
    ChildPeer peer = new ChildPeer(process, null);
    toClose.add(peer);
    Channel channel = server.accept(Duration.ofSeconds(30));
    if (channel == null) {
      throw new IOException("peer process " + process.pid() + " did not connect to " + server.uri()
          + " within 30 s; alive=" + process.isAlive());
    }
    toClose.add(channel);
    peer.channel = channel;
    return peer;
  }

  /**
   * A raw byte stream to {@code server}, bypassing ipckit's framing and handshake, for the
   * garbage and truncated-frame cases (capability BYTE_STREAM).
   */
  public ByteChannel rawConnect(ChannelServer server) throws IOException {
    throw new UnsupportedOperationException("this transport has no raw byte stream");
  }

  /** Files the transport left in {@link #scratch()} (socket files, queue files). */
  public List<Path> leftovers() throws IOException {
    try (Stream<Path> s = Files.walk(scratch)) {
      return s.filter(p -> !p.equals(scratch)).toList();
    }
  }

  /** Closes everything this fixture opened, then removes the scratch directory. */
  @Override
  public void close() throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      try {
        toClose.get(i).close();
      } catch (Exception ignored) {
        // closing the rest matters more
      }
    }
    toClose.clear();
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
    toClose.add(c);
    return c;
  }

  /** A connected pair: {@code client} opened with {@code Channels.open}, {@code server} accepted. */
  public record Pair(Channel client, Channel server, ChannelServer listener) {}

  /** A peer in another process and the channel to it. */
  public static final class ChildPeer implements AutoCloseable {
    private final Process process;
    Channel channel;

    public ChildPeer(Process process, Channel channel) {
      this.process = process;
      this.channel = channel;
    }

    public Channel channel() {
      return channel;
    }

    public Process process() {
      return process;
    }

    /** SIGKILL: no chance to say goodbye. */
    public void kill() throws InterruptedException {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }

    /** Waits for the child to exit and returns its exit code. */
    public int waitFor(Duration timeout) throws InterruptedException {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new AssertionError("peer process " + process.pid() + " still running after " + timeout);
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
