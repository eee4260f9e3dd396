package dev.ipckit.cluster;

import dev.ipckit.Channel;
import dev.ipckit.ChannelClosedException;
import dev.ipckit.Channels;
import dev.ipckit.Delivery;
import dev.ipckit.Handle;
import dev.ipckit.Handles;
import dev.ipckit.IpcException;
import dev.ipckit.ProtocolException;
import dev.ipckit.TransportUnavailableException;
import dev.ipckit.cluster.internal.Control;
import dev.ipckit.cluster.internal.HostPort;
import dev.ipckit.cluster.internal.WorkerTransport;
import dev.ipckit.pipe.Spawn;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * A worker's side of its {@link Supervisor}: the process started by it calls
 * {@link #current()} once, takes its listening socket, says it is {@link #ready()}, and learns
 * of shutdown requests.
 *
 * <pre>{@code
 * Worker worker = Worker.current();
 * ServerSocketChannel server = worker.openListener();   // the port the supervisor bound
 * ... start serving on it ...
 * worker.onShutdown(left -> { stop accepting; finish in-flight work within `left` });
 * worker.ready();
 * }</pre>
 *
 * <p>After a shutdown request every {@link ShutdownHandler} runs in the order they were added,
 * and the process then exits with code 0 (1 if a handler failed). A worker whose supervisor is
 * gone (its channel closed without a shutdown request) exits at once with
 * {@link Spawn#ORPHANED_EXIT_CODE}: no orphans.
 *
 * <p>Thread-safe.
 */
public final class Worker {
  private static final Duration HELLO_TIMEOUT = Duration.ofSeconds(30);
  private static final int UNHANDLED_LIMIT = 1024;
  private static Worker current; // guarded by Worker.class

  private final Channel channel;
  private final int slot;
  private final int generation;
  private final ListenMode listenMode;
  private final InetSocketAddress address;
  private Handle listener; // guarded by this
  private final List<Consumer<ByteBuffer>> messageListeners = new CopyOnWriteArrayList<>();
  private final Queue<ByteBuffer> unhandled = new ArrayDeque<>(); // guarded by this
  private final List<ShutdownHandler> shutdownHandlers = new CopyOnWriteArrayList<>();
  private volatile boolean shutdownRequested;
  private volatile boolean readySent;

  /** Finishes the worker's in-flight work before it exits. */
  @FunctionalInterface
  public interface ShutdownHandler {
    /** Stops taking new work and finishes what is in flight within {@code left}; returns when done. */
    void drain(Duration left) throws Exception;
  }

  private Worker(Channel channel, Map<String, String> hello, Handle listener) {
    this.channel = channel;
    this.slot = Integer.parseInt(hello.getOrDefault("slot", "0"));
    this.generation = Integer.parseInt(hello.getOrDefault("generation", "1"));
    String mode = hello.getOrDefault("listen", "none");
    this.listenMode = mode.equals("shared") ? ListenMode.SHARED : mode.equals("reuseport") ? ListenMode.REUSE_PORT : null;
    this.address = listenMode == null ? null : HostPort.parse(hello.get("address"));
    this.listener = listener;
  }

  /**
   * This process's worker side, connected to its supervisor on the first call (through the
   * channel the supervisor left in the environment, {@code IPCKIT_CHANNEL}: its own fd: or pipe:
   * channel, or the unix: or tcp: address the supervisor listens on).
   *
   * @throws TransportUnavailableException this process was not started by a {@link Supervisor}
   */
  public static synchronized Worker current() throws IOException {
    if (current == null) {
      current = connect();
    }
    return current;
  }

  private static Worker connect() throws IOException {
    Channel ch;
    try {
      ch = Channels.fromEnvironment();
    } catch (TransportUnavailableException e) {
      throw new TransportUnavailableException("this process was not started by an ipckit Supervisor: "
          + e.getMessage(), e);
    }
    // who this is, first: a supervisor that listens (unix:, tcp:) matches connections to processes by the token
    String token = System.getenv(WorkerTransport.TOKEN_ENV);
    ch.send(Control.encode(Control.IDENT, "pid=" + ProcessHandle.current().pid() + " token="
        + (token == null ? "" : token)));
    Delivery d = ch.receiveWithHandles(HELLO_TIMEOUT);
    if (d == null) {
      ch.close();
      throw new IpcException("the supervisor said nothing within " + HELLO_TIMEOUT.toSeconds() + " s on " + ch.uri());
    }
    byte kind = Control.kind(d.message());
    if (kind == Control.SHUTDOWN) {
      System.exit(0); // stopped before it began
    }
    if (kind != Control.HELLO) {
      throw new ProtocolException("expected the supervisor's hello on " + ch.uri() + ", got a message of kind '"
          + (char) kind + "'");
    }
    Worker w = new Worker(ch, Control.fields(Control.text(d.message())), d.handles().isEmpty() ? null
        : d.handles().get(0));
    for (int i = 1; i < d.handles().size(); i++) {
      d.handles().get(i).close();
    }
    Thread reader = new Thread(w::read, "ipckit-cluster-supervisor-reader");
    reader.setDaemon(true);
    reader.start();
    return w;
  }

  /** The slot this worker fills (0 to N-1). */
  public int slot() {
    return slot;
  }

  /** Which process of its slot this is: 1 for the first, more after restarts and reloads. */
  public int generation() {
    return generation;
  }

  /** How this worker is to accept, or empty if the supervisor listens on nothing. */
  public Optional<ListenMode> listenMode() {
    return Optional.ofNullable(listenMode);
  }

  /** The address the cluster accepts on, or empty if it listens on nothing. */
  public Optional<InetSocketAddress> address() {
    return Optional.ofNullable(address);
  }

  /**
   * The listening socket the supervisor passed ({@link ListenMode#SHARED}); the caller owns it
   * from now on, so it can be taken once.
   *
   * @throws IllegalStateException not in SHARED mode, or taken already
   */
  public synchronized Handle takeListener() {
    if (listenMode != ListenMode.SHARED) {
      throw new IllegalStateException("the supervisor passed no listening socket: listen mode is "
          + (listenMode == null ? "none (Supervisor.Builder.listen was not set)" : listenMode));
    }
    if (listener == null) {
      throw new IllegalStateException("the listening socket was already taken");
    }
    Handle h = listener;
    listener = null;
    return h;
  }

  /**
   * A channel accepting on the cluster's port: the passed socket ({@link ListenMode#SHARED}) or
   * one bound here with SO_REUSEPORT ({@link ListenMode#REUSE_PORT}). A shared socket is in
   * non-blocking mode, and that mode belongs to the socket, not to this process: switching it to
   * blocking would make every other worker's event loop block in accept(2).
   */
  public ServerSocketChannel openListener() throws IOException {
    if (listenMode == ListenMode.REUSE_PORT) {
      ServerSocketChannel ch = ServerSocketChannel.open();
      try {
        ch.setOption(StandardSocketOptions.SO_REUSEPORT, true);
        ch.bind(address, 511);
      } catch (IOException | RuntimeException e) {
        ch.close();
        throw new IpcException("worker " + slot + " cannot bind " + address + " with SO_REUSEPORT: " + e.getMessage(), e);
      }
      return ch;
    }
    return Handles.serverSocketChannel(takeListener());
  }

  /** Tells the supervisor this worker is ready for work. Idempotent. */
  public void ready() throws IOException {
    if (!readySent) {
      readySent = true;
      channel.send(Control.encode(Control.READY, ByteBuffer.allocate(0)));
    }
  }

  /** Sends {@code message} to the supervisor (its {@link WorkerMessageListener}s). */
  public void send(ByteBuffer message) throws IOException {
    channel.send(Control.encode(Control.MESSAGE, message));
  }

  /**
   * Receives the supervisor's messages on the reader thread, in order; messages that came before
   * the first listener (up to 1024) are handed to it first.
   */
  public void onMessage(Consumer<ByteBuffer> listener) {
    synchronized (this) {
      messageListeners.add(listener);
      while (!unhandled.isEmpty()) {
        listener.accept(unhandled.poll());
      }
    }
  }

  /** Runs {@code handler} when the supervisor asks this worker to stop (before it exits). */
  public void onShutdown(ShutdownHandler handler) {
    shutdownHandlers.add(handler);
  }

  /** Whether the supervisor asked this worker to stop. */
  public boolean shutdownRequested() {
    return shutdownRequested;
  }

  private void read() {
    try {
      while (true) {
        ByteBuffer m = channel.receive(Duration.ofSeconds(1));
        if (m == null) {
          continue;
        }
        byte kind = Control.kind(m);
        if (kind == Control.MESSAGE) {
          deliver(m.slice());
        } else if (kind == Control.SHUTDOWN) {
          long millis = Long.parseLong(Control.text(m).trim());
          stop(Duration.ofMillis(millis));
          return;
        }
      }
    } catch (ChannelClosedException e) {
      orphaned();
    } catch (IOException | RuntimeException e) {
      System.err.println("ipckit: worker " + slot + " lost its supervisor's channel: " + e);
      orphaned();
    }
  }

  private void deliver(ByteBuffer m) {
    synchronized (this) {
      if (messageListeners.isEmpty()) {
        if (unhandled.size() < UNHANDLED_LIMIT) {
          unhandled.add(m);
        }
        return;
      }
    }
    for (Consumer<ByteBuffer> l : messageListeners) {
      l.accept(m.duplicate());
    }
  }

  private void stop(Duration left) {
    shutdownRequested = true;
    long deadline = System.nanoTime() + left.toNanos();
    int code = 0;
    for (ShutdownHandler h : shutdownHandlers) {
      try {
        h.drain(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
      } catch (Exception e) {
        System.err.println("ipckit: worker " + slot + ": a shutdown handler failed: " + e);
        code = 1;
      }
    }
    System.exit(code);
  }

  private void orphaned() {
    if (!shutdownRequested) {
      System.err.println("ipckit: worker " + slot + " lost its supervisor; exiting with code "
          + Spawn.ORPHANED_EXIT_CODE);
      System.exit(Spawn.ORPHANED_EXIT_CODE);
    }
  }
}
