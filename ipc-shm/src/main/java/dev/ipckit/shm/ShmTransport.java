package dev.ipckit.shm;

import dev.ipckit.Capabilities;
import dev.ipckit.Capability;
import dev.ipckit.Channel;
import dev.ipckit.ChannelOptions;
import dev.ipckit.ChannelServer;
import dev.ipckit.ChannelUri;
import dev.ipckit.InvalidChannelUriException;
import dev.ipckit.IpcException;
import dev.ipckit.TransportUnavailableException;
import dev.ipckit.shm.internal.ChronicleRuntime;
import dev.ipckit.shm.internal.ControlBlock;
import dev.ipckit.shm.internal.Layout;
import dev.ipckit.shm.internal.Queues;
import dev.ipckit.spi.TransportProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * {@code shm:/path/dir}: channels between processes on one host through memory-mapped files, on
 * Chronicle Queue. A server listens in a directory ({@code Channels.listen("shm:/dev/shm/app")});
 * each client that opens the same URI gets its own pair of queues there, one per direction (see
 * {@link Layout}). Messages are written straight into the shared mapping: no system call per
 * message and no copy through the kernel.
 *
 * <p>Chronicle has no connection, so both sides beat a heartbeat ({@code ?heartbeat=}, 250 ms)
 * and watch the other's: a close is seen at once, a peer process that is gone at the next beat,
 * and a silent one after {@code ?peerTimeout=} (3 s). {@code ?wait=busy} spins for the lowest
 * latency; the default backs off so an idle channel costs no core. Every option is in
 * {@link ShmOptions} and docs/OPTIONS.md.
 *
 * <p>Loading this class loads no Chronicle class. Before the first one loads, it turns off
 * Chronicle's usage analytics and banner ({@link ChronicleRuntime}) and checks the JVM flags
 * Chronicle needs on JDK 17+ ({@link #requiredJvmFlags()}): without them, {@link
 * #unavailabilityCause()} names the missing flags and opening a shm: URI fails with a
 * {@link TransportUnavailableException} that says how to start the JVM.
 */
public final class ShmTransport implements TransportProvider {
  static final Capabilities CAPABILITIES = Capabilities.of(Capability.ORDERED, Capability.LOSSLESS,
      Capability.DURABLE, Capability.ONE_TO_MANY, Capability.CROSSES_PROCESSES);
  /**
   * sendBuffer is 8 MiB here, not 128 KiB: the unread bytes it bounds lie in the mapped queue file
   * (blocks of 16 MiB and more), not on the heap, and with 128 KiB a writer stalled whenever its
   * reader lost its core for a time slice (~2,000 messages of 64 B): on 2 shared cores most of
   * shm-busy's gap to a plain appender, which never waits (0.74x against 0.99x with 8 MiB).
   */
  static final ChannelOptions DEFAULTS = ChannelOptions.defaults().withSendBuffer(8 << 20);

  static {
    ChronicleRuntime.prepare();
  }

  /** The flags a JVM that uses shm: must be started with (JDK 17 and later). */
  public static List<String> requiredJvmFlags() {
    return ChronicleRuntime.REQUIRED_FLAGS;
  }

  @Override
  public Set<String> schemes() {
    return Set.of("shm");
  }

  @Override
  public Capabilities capabilities() {
    return CAPABILITIES;
  }

  @Override
  public Set<String> options() {
    return new HashSet<>(ShmOptions.NAMES);
  }

  @Override
  public Optional<Throwable> unavailabilityCause() {
    return ChronicleRuntime.prepare();
  }

  @Override
  public Channel open(ChannelUri uri) throws IOException {
    checkAvailable();
    ChannelOptions options = ChannelOptions.from(uri, DEFAULTS);
    ShmOptions shm = ShmOptions.from(uri);
    Path dir = directory(uri);
    var rollCycle = Queues.rollCycle(shm.rollCycle(), uri.toString());
    if (shm.log()) {
      return ShmLogChannel.open(uri.toString(), options, shm, rollCycle, dir);
    }
    Layout layout = new Layout(dir);
    ControlBlock server = ControlBlock.open(layout.serverBlock()).orElseThrow(() -> new IpcException(
        "connection refused: no shm: server listens at " + uri + " (no " + layout.serverBlock() + ")"));
    if (!server.looksAlive(shm.peerTimeout().toMillis())) {
      throw new IpcException("connection refused: the shm: server at " + uri + " (pid " + server.pid()
          + ") has closed or is gone");
    }
    String id = ProcessHandle.current().pid() + "-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
    Path connection = layout.connection(id);
    try {
      Files.createDirectory(connection, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    } catch (NoSuchFileException e) {
      throw new IpcException("connection refused: the shm: server at " + uri + " has closed", e);
    }
    Path serverSide = connection.resolve(Layout.Side.SERVER.ownBlock);
    ControlBlock[] accepted = new ControlBlock[1];
    ShmChannel channel;
    try {
      channel = ShmChannel.open(uri.toString(), options, shm, rollCycle, connection, Layout.Side.CLIENT, () -> {
        // until the server accepts, its listening block speaks for it
        if (accepted[0] == null) {
          accepted[0] = ControlBlock.open(serverSide).orElse(null);
        }
        return accepted[0] != null ? accepted[0] : server;
      }, "the shm: server", () -> { });
    } catch (IOException | RuntimeException | Error e) {
      Queues.deleteTree(connection);
      throw e;
    }
    if (server.state() != ControlBlock.OPEN) {
      // the server closed while this client was setting up: it may have removed the directories
      // this client's queues just created again, so put them away
      channel.close();
      Queues.deleteTree(connection);
      Files.deleteIfExists(layout.connections()); // only if empty, and the server removed it
      if (!Files.exists(layout.serverBlock())) {
        Files.deleteIfExists(dir);
      }
      throw new IpcException("connection refused: the shm: server at " + uri + " closed while connecting");
    }
    return channel;
  }

  @Override
  public ChannelServer listen(ChannelUri uri) throws IOException {
    checkAvailable();
    ChannelOptions options = ChannelOptions.from(uri, DEFAULTS);
    ShmOptions shm = ShmOptions.from(uri);
    if (shm.log()) {
      throw new InvalidChannelUriException(uri.toString(),
          "a log (log, reader=) is opened with Channels.open, not listened at: it has no server");
    }
    return ShmServer.listen(uri.toString(), options, shm, Queues.rollCycle(shm.rollCycle(), uri.toString()),
        directory(uri));
  }

  private static void checkAvailable() throws TransportUnavailableException {
    Optional<Throwable> cause = ChronicleRuntime.prepare();
    if (cause.isPresent()) {
      throw new TransportUnavailableException(cause.get().getMessage(), cause.get());
    }
  }

  /** The absolute directory of {@code shm:/path} or {@code shm:///path}. */
  static Path directory(ChannelUri uri) throws InvalidChannelUriException {
    String path = uri.base().getPath();
    String host = uri.base().getHost();
    if (path == null || !path.startsWith("/") || (host != null && !host.isEmpty())) {
      throw new InvalidChannelUriException(uri.toString(),
          "shm: needs an absolute directory, e.g. shm:/dev/shm/app or shm:///dev/shm/app");
    }
    Path p = Path.of(path).normalize();
    if (p.getParent() == null) {
      throw new InvalidChannelUriException(uri.toString(), "shm: will not use the root directory");
    }
    return p;
  }
}
