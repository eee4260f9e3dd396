package dev.ipckit.cluster;

import dev.ipckit.Channel;
import dev.ipckit.ChannelClosedException;
import dev.ipckit.Handle;
import dev.ipckit.Handles;
import dev.ipckit.IpcException;
import dev.ipckit.cluster.internal.Control;
import dev.ipckit.cluster.internal.HostPort;
import dev.ipckit.cluster.internal.SignalTraps;
import dev.ipckit.cluster.internal.WorkerTransport;
import dev.ipckit.pipe.ChildProcess;
import dev.ipckit.pipe.ExitStatus;
import dev.ipckit.pipe.Signal;
import dev.ipckit.pipe.Spawn;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs N worker processes of one Java main class and keeps them running: the master of Node's
 * cluster, PM2's cluster mode. It does no business work itself.
 *
 * <pre>{@code
 * Supervisor supervisor = Supervisor.builder(MyWorker.class)
 *     .workers(4)                                          // default: the CPU count
 *     .listen(new InetSocketAddress("0.0.0.0", 8080))      // bound once, passed to every worker
 *     .build();
 * supervisor.onEvent(e -> System.out.println("cluster: " + e));
 * System.exit(supervisor.runUntilSignalled());             // SIGTERM/SIGINT drain, SIGHUP reloads
 * }</pre>
 *
 * <p>Each worker is forked with this JVM's class path and a channel to the supervisor (fd: by
 * default); it finds everything through {@link Worker#current()}. The supervisor waits for each
 * worker's readiness up to {@link Builder#readyTimeout}; a worker that exits without being asked
 * to, or is not ready in time, is started again after the {@link RestartPolicy}'s backoff, and a
 * slot that crashes in a loop makes the supervisor give up ({@link CrashLoopException}).
 *
 * <p>{@link #shutdown} asks every worker to finish its in-flight work within a deadline and kills
 * what remains after it; {@link #reload} replaces the workers one at a time (start a new one,
 * wait until it is ready, retire an old one), so a shared listening socket is never without a
 * worker to accept from it.
 *
 * <p>Thread-safe. Listeners are called on the supervisor's own threads.
 */
public final class Supervisor implements AutoCloseable {
  private enum State { NEW, RUNNING, STOPPING, STOPPED }

  private final Builder config;
  private final WorkerTransport transport;
  private final List<Slot> slots = new ArrayList<>();
  private final List<WorkerProcess> live = new ArrayList<>(); // guarded by this
  private final List<ClusterListener> listeners = new CopyOnWriteArrayList<>();
  private final List<WorkerMessageListener> messageListeners = new CopyOnWriteArrayList<>();
  private final ScheduledExecutorService timer;
  private final CompletableFuture<Void> terminated = new CompletableFuture<>();
  private final Object reloadLock = new Object();
  private final AtomicInteger signals = new AtomicInteger();
  private final AtomicInteger killedAtStop = new AtomicInteger();
  private volatile int exitCode;
  private State state = State.NEW; // guarded by this
  private CrashLoopException failure; // guarded by this
  private Handle listener;
  private ServerSocketChannel listenerChannel; // shares listener's descriptor: the one to close
  private InetSocketAddress address;

  private Supervisor(Builder config, WorkerTransport transport) {
    this.config = config;
    this.transport = transport;
    for (int i = 0; i < config.workers; i++) {
      slots.add(new Slot(i));
    }
    timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "ipckit-cluster-timer");
      t.setDaemon(true);
      return t;
    });
  }

  /** A supervisor of workers running {@code main} with {@code args}. */
  public static Builder builder(Class<?> main, String... args) {
    return builder(main.getName(), args);
  }

  public static Builder builder(String mainClass, String... args) {
    return new Builder(mainClass, List.of(args));
  }

  public void onEvent(ClusterListener l) {
    listeners.add(l);
  }

  public void onMessage(WorkerMessageListener l) {
    messageListeners.add(l);
  }

  /**
   * Binds the port (if one was configured), starts every worker and waits until each has said it
   * is ready; a worker that fails on the way is restarted under the policy.
   *
   * @throws CrashLoopException a slot crashed in a loop before it was ever ready; everything
   *     started has been stopped
   */
  public void start() throws IOException {
    synchronized (this) {
      if (state != State.NEW) {
        throw new IllegalStateException("this supervisor was already started");
      }
      state = State.RUNNING;
    }
    try {
      transport.open(refused -> emit(new ClusterEvent.ChannelRefused(refused)));
      if (transport.listens()) {
        emit(new ClusterEvent.AcceptingWorkers(transport.toString()));
      }
      bind();
      for (Slot s : slots) {
        launch(s, true);
      }
    } catch (IOException | RuntimeException e) {
      shutdown("start failed: " + e.getMessage(), Duration.ZERO);
      throw e;
    }
    for (Slot s : slots) {
      await(s.firstReady, null);
    }
    emit(new ClusterEvent.Ready(workers().size()));
  }

  /** The address workers accept on (its real port when 0 was asked for); null without {@link Builder#listen}. */
  public InetSocketAddress address() {
    return address;
  }

  /** The workers running now, by slot (a slot waiting for its restart has none). */
  public synchronized List<WorkerInfo> workers() {
    List<WorkerInfo> out = new ArrayList<>();
    for (Slot s : slots) {
      if (s.current != null) {
        out.add(s.current.info);
      }
    }
    return out;
  }

  /** Sends {@code message} to the worker in {@code slot}. */
  public void send(int slot, ByteBuffer message) throws IOException {
    WorkerProcess w;
    synchronized (this) {
      if (slot < 0 || slot >= slots.size()) {
        throw new IllegalArgumentException("no worker slot " + slot + "; slots are 0 to " + (slots.size() - 1));
      }
      w = slots.get(slot).current;
    }
    Channel ch = w == null ? null : w.channel;
    if (ch == null) {
      throw new IpcException("worker slot " + slot + " has no running worker with an open channel now "
          + "(it is starting or waiting for its restart)");
    }
    ch.send(Control.encode(Control.MESSAGE, message));
  }

  /**
   * Sends {@code message} to every running worker whose channel is open.
   *
   * @return how many workers it was sent to
   */
  public int broadcast(ByteBuffer message) {
    List<WorkerProcess> targets;
    synchronized (this) {
      targets = new ArrayList<>(live);
    }
    int sent = 0;
    for (WorkerProcess w : targets) {
      Channel ch = w.channel;
      if (ch != null && !w.expectedExit) {
        try {
          ch.send(Control.encode(Control.MESSAGE, message));
          sent++;
        } catch (IOException e) {
          // it is exiting: its exit is reported as an event
        }
      }
    }
    return sent;
  }

  /**
   * Replaces every worker, one at a time: starts a new one in the slot, waits until it is ready,
   * then asks the old one to finish and exit (killing it after the shutdown deadline). Blocks
   * until done; one reload runs at a time.
   *
   * @throws IpcException a new worker was not ready (it is killed and the old one kept serving)
   */
  public void reload() throws IOException {
    synchronized (reloadLock) {
      long start = System.nanoTime();
      emit(new ClusterEvent.ReloadStarted(slots.size()));
      try {
        for (Slot s : slots) {
          replace(s);
        }
      } catch (IOException | RuntimeException e) {
        emit(new ClusterEvent.ReloadFailed(e.getMessage()));
        throw e;
      }
      emit(new ClusterEvent.ReloadFinished(Duration.ofNanos(System.nanoTime() - start)));
    }
  }

  private void replace(Slot s) throws IOException {
    synchronized (this) {
      if (state != State.RUNNING) {
        throw new IpcException("reload stopped: the supervisor is shutting down");
      }
    }
    WorkerProcess fresh = launch(s, false);
    try {
      await(fresh.ready, fresh);
    } catch (IOException | RuntimeException e) {
      fresh.expectedExit = true;
      fresh.child.kill(Signal.KILL);
      throw new IpcException("reload of worker " + s.index + " failed, the old worker keeps serving: "
          + e.getMessage(), e);
    }
    WorkerProcess old;
    synchronized (this) {
      if (state != State.RUNNING) {
        return; // the shutdown asks the fresh one to stop too
      }
      old = s.current;
      s.current = fresh;
      if (s.pendingRestart != null) {
        s.pendingRestart.cancel(false);
        s.pendingRestart = null;
      }
    }
    if (old != null) {
      retire(old, config.shutdownTimeout);
      try {
        old.child.exit().get(config.shutdownTimeout.toMillis() + 5_000, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while " + old.info + " was retiring");
      } catch (ExecutionException | TimeoutException e) {
        throw new IpcException(old.info + " did not end after SIGKILL: " + e, e);
      }
    }
  }

  /**
   * Stops the cluster: closes the supervisor's listening socket, asks every worker to finish its
   * in-flight work within {@code deadline} and exit, and kills those still running after it.
   * Returns at once; the future completes when every worker is gone (as {@link #terminated()}).
   */
  public CompletableFuture<Void> shutdown(Duration deadline) {
    return shutdown("asked", deadline);
  }

  private CompletableFuture<Void> shutdown(String reason, Duration deadline) {
    List<WorkerProcess> stopping;
    synchronized (this) {
      if (state == State.STOPPING || state == State.STOPPED) {
        return terminated;
      }
      state = State.STOPPING;
      for (Slot s : slots) {
        if (s.pendingRestart != null) {
          s.pendingRestart.cancel(false);
        }
        if (!s.firstReady.isDone()) {
          s.firstReady.completeExceptionally(failure != null ? failure
              : new IpcException("the supervisor stopped (" + reason + ") before worker " + s.index + " was ready"));
        }
      }
      stopping = new ArrayList<>(live);
    }
    emit(new ClusterEvent.ShutdownStarted(reason, deadline));
    closeListener();
    for (WorkerProcess w : stopping) {
      retire(w, deadline);
    }
    CompletableFuture.allOf(stopping.stream().map(w -> w.gone).toArray(CompletableFuture[]::new))
        .handle((v, e) -> null)
        .thenRun(this::stopped);
    return terminated;
  }

  /** Kills every worker with SIGKILL now (the second signal); completes as {@link #shutdown} does. */
  public CompletableFuture<Void> kill() {
    CompletableFuture<Void> f = shutdown("forced", Duration.ZERO);
    List<WorkerProcess> all;
    synchronized (this) {
      all = new ArrayList<>(live);
    }
    for (WorkerProcess w : all) {
      w.expectedExit = true;
      if (w.child.kill(Signal.KILL)) {
        killedAtStop.incrementAndGet();
      }
    }
    return f;
  }

  /** Completes once every worker is gone; exceptionally with {@link CrashLoopException} if the supervisor gave up. */
  public CompletableFuture<Void> terminated() {
    return terminated.copy();
  }

  /**
   * Starts the cluster (unless started) and runs it until it is stopped: SIGTERM or SIGINT shuts
   * it down gracefully within {@link Builder#shutdownTimeout}, a second one kills the workers at
   * once, SIGHUP reloads.
   *
   * @return the exit code for this process: 0 after a graceful stop, 128 + the signal after a
   *     forced one, 1 if the supervisor gave up on a crash loop
   */
  public int runUntilSignalled() throws IOException {
    SignalTraps.trap(this::signalled, "TERM", "INT", "HUP");
    boolean fresh;
    synchronized (this) {
      fresh = state == State.NEW;
    }
    if (fresh) {
      try {
        start();
      } catch (IOException e) {
        if (signals.get() == 0 && !(e instanceof CrashLoopException)) {
          throw e;
        }
        // stopped by a signal while starting, or gave up: the exit code says which
      }
    }
    try {
      terminated.join();
      return exitCode;
    } catch (CompletionException e) {
      return 1;
    }
  }

  private void signalled(int number) {
    if (number == Signal.HUP.number()) {
      Thread t = new Thread(() -> {
        try {
          reload();
        } catch (IOException | RuntimeException e) {
          // reported as ReloadFailed
        }
      }, "ipckit-cluster-reload");
      t.setDaemon(true);
      t.start();
      return;
    }
    if (signals.incrementAndGet() == 1) {
      shutdown(dev.ipckit.pipe.Signal.name(number), config.shutdownTimeout);
    } else {
      exitCode = 128 + number;
      kill();
    }
  }

  /** {@link #shutdown} with the configured deadline, waiting until it is done. */
  @Override
  public void close() throws IOException {
    try {
      shutdown(config.shutdownTimeout).join();
    } catch (CompletionException e) {
      // gave up earlier: already reported through terminated() and the events
    }
  }

  // ------------------------------------------------------------------ workers

  private WorkerProcess launch(Slot slot, boolean current) throws IOException {
    Spawn spawn = Spawn.java(config.mainClass, config.args.toArray(String[]::new));
    String token = WorkerTransport.newToken();
    transport.configure(spawn, token);
    if (config.jvmArgs != null) {
      spawn.jvmArgs(config.jvmArgs.toArray(String[]::new));
    }
    config.environment.forEach(spawn::env);
    WorkerProcess w;
    synchronized (this) {
      if (state != State.RUNNING) {
        throw new IpcException("the supervisor is " + state.name().toLowerCase() + "; no worker is started");
      }
      ChildProcess child = spawn.start();
      w = new WorkerProcess(slot, new WorkerInfo(slot.index, ++slot.generation, child.pid()), child, token);
      live.add(w);
      if (current) {
        slot.current = w;
      }
    }
    emit(new ClusterEvent.WorkerStarted(w.info));
    w.child.exit().whenComplete((status, error) -> exited(w, status));
    Thread reader = new Thread(() -> serve(w), "ipckit-cluster-worker " + w.info.pid());
    reader.setDaemon(true);
    reader.start();
    timer.schedule(() -> notReady(w), config.readyTimeout.toNanos(), TimeUnit.NANOSECONDS);
    return w;
  }

  /**
   * Waits for the worker's channel and its ident, says hello (with the listener), then reads what
   * it sends until it closes.
   */
  private void serve(WorkerProcess w) {
    Channel ch = null;
    try {
      WorkerTransport.Identified id = transport.connect(w.child, w.token, config.readyTimeout);
      ch = id.channel();
      if (id.pid() != w.info.pid()) {
        throw new dev.ipckit.ProtocolException("the channel of " + w.info + " says it is pid " + id.pid());
      }
      w.channel = ch;
      String hello = "slot=" + w.info.slot() + " generation=" + w.info.generation() + " listen="
          + (address == null ? "none" : config.listenMode == ListenMode.SHARED ? "shared" : "reuseport")
          + (address == null ? "" : " address=" + HostPort.format(address));
      if (w.expectedExit) {
        ch.send(Control.encode(Control.SHUTDOWN, "0")); // asked to stop while its channel opened
      } else if (config.listenMode == ListenMode.SHARED && listener != null) {
        ch.send(Control.encode(Control.HELLO, hello), listener);
      } else {
        ch.send(Control.encode(Control.HELLO, hello));
      }
      while (true) {
        ByteBuffer m = ch.receive(Duration.ofSeconds(1));
        if (m == null) {
          continue;
        }
        byte kind = Control.kind(m);
        if (kind == Control.READY) {
          if (w.ready.complete(null)) {
            // said before the slot counts as ready, so that "ready (N workers)" follows every worker's line
            emit(new ClusterEvent.WorkerReady(w.info, Duration.ofNanos(System.nanoTime() - w.startedNanos)));
            w.slot.firstReady.complete(null);
          }
        } else if (kind == Control.MESSAGE) {
          for (WorkerMessageListener l : messageListeners) {
            l.onMessage(w.info, m.slice());
          }
        }
      }
    } catch (ChannelClosedException e) {
      // the worker closed it or exited: its exit is reported by the reaper
    } catch (IOException | RuntimeException e) {
      if (w.child.isAlive() && !w.expectedExit) {
        // a worker that cannot talk to its supervisor is of no use: its exit is the restart
        emit(new ClusterEvent.ChannelFailed(w.info, e.toString()));
        w.child.kill(Signal.KILL);
      }
    } finally {
      closeQuietly(ch);
    }
  }

  private void notReady(WorkerProcess w) {
    if (w.ready.isDone() || !w.child.isAlive() || w.expectedExit) {
      return;
    }
    w.notReady = true;
    w.ready.completeExceptionally(new IpcException(w.info + " was not ready within "
        + config.readyTimeout.toMillis() + " ms (readyTimeout): it must call Worker.current().ready()"));
    emit(new ClusterEvent.WorkerNotReady(w.info, config.readyTimeout));
    w.child.kill(Signal.KILL);
  }

  /** Asks {@code w} to finish within {@code deadline} and exit; kills it once that has passed. */
  private void retire(WorkerProcess w, Duration deadline) {
    w.expectedExit = true;
    Channel ch = w.channel;
    boolean asked = false;
    if (ch != null && !deadline.isZero()) {
      try {
        ch.send(Control.encode(Control.SHUTDOWN, Long.toString(deadline.toMillis())));
        asked = true;
      } catch (IOException e) {
        // its channel is gone: it is exiting, or the signal below stops it
      }
    }
    if (!asked && ch == null && !deadline.isZero()) {
      w.child.kill(Signal.TERM); // its channel is not open yet: the JVM's own shutdown stops it
    }
    timer.schedule(() -> {
      if (w.child.kill(Signal.KILL) && stopping()) {
        killedAtStop.incrementAndGet();
      }
    }, deadline.toNanos(), TimeUnit.NANOSECONDS);
  }

  private synchronized boolean stopping() {
    return state == State.STOPPING;
  }

  private void exited(WorkerProcess w, ExitStatus status) {
    ExitStatus how = status != null ? status : ExitStatus.exited(-1);
    boolean expected;
    synchronized (this) {
      live.remove(w);
      expected = w.expectedExit || state != State.RUNNING || w.slot.current != w;
    }
    closeQuietly(w.channel);
    transport.forget(w.token);
    w.ready.completeExceptionally(new IpcException(w.info + " exited (" + how + ") before it was ready"));
    emit(new ClusterEvent.WorkerExited(w.info, how, expected));
    if (!expected) {
      crashed(w, how);
    }
    w.gone.complete(null);
  }

  private void crashed(WorkerProcess w, ExitStatus status) {
    Slot s = w.slot;
    Duration ran = Duration.ofNanos(System.nanoTime() - w.startedNanos);
    Duration delay;
    int consecutive;
    CrashLoopException gaveUp = null;
    synchronized (this) {
      if (state != State.RUNNING || s.current != w) {
        return;
      }
      s.current = null;
      if (ran.compareTo(config.policy.stableAfter()) >= 0 && !w.notReady) {
        s.consecutive = 0;
      }
      consecutive = ++s.consecutive;
      long now = System.nanoTime();
      s.crashes.addLast(new Crash(now, LocalTime.now().truncatedTo(ChronoUnit.MILLIS), w.info,
          w.notReady ? "not ready within " + config.readyTimeout.toMillis() + " ms, killed" : status.toString(), ran));
      while (now - s.crashes.peekFirst().nanos > config.policy.window().toNanos()) {
        s.crashes.removeFirst();
      }
      if (s.crashes.size() > config.policy.maxRestarts()) {
        gaveUp = new CrashLoopException(s.index, report(s));
        failure = gaveUp;
      }
    }
    if (gaveUp != null) {
      emit(new ClusterEvent.GaveUp(s.index, gaveUp.getMessage()));
      shutdown("gave up on worker " + s.index, config.shutdownTimeout);
      return;
    }
    delay = config.policy.delay(consecutive);
    emit(new ClusterEvent.RestartScheduled(s.index, consecutive, delay));
    synchronized (this) {
      if (state == State.RUNNING) {
        s.pendingRestart = timer.schedule(() -> restart(s), delay.toNanos(), TimeUnit.NANOSECONDS);
      }
    }
  }

  private void restart(Slot s) {
    synchronized (this) {
      s.pendingRestart = null;
      if (state != State.RUNNING || s.current != null) {
        return; // stopping, or a reload filled the slot
      }
    }
    try {
      launch(s, true);
    } catch (IOException | RuntimeException e) {
      // the spawn itself failed (no memory, no such class): give up rather than retry blindly
      CrashLoopException gaveUp = new CrashLoopException(s.index, "cannot start worker " + s.index + " again: "
          + e.getMessage());
      synchronized (this) {
        if (state != State.RUNNING) {
          return;
        }
        failure = gaveUp;
      }
      emit(new ClusterEvent.GaveUp(s.index, gaveUp.getMessage()));
      shutdown("gave up on worker " + s.index, config.shutdownTimeout);
    }
  }

  private String report(Slot s) {
    StringBuilder b = new StringBuilder("worker ").append(s.index).append(" crashed in a loop: it exited ")
        .append(s.crashes.size()).append(" times within ").append(config.policy.window().toSeconds())
        .append(" s, more than the ").append(config.policy.maxRestarts())
        .append(" restarts allowed (RestartPolicy.maxRestarts/window); its exits:");
    for (Crash c : s.crashes) {
      b.append("\n  ").append(c.at).append(" pid ").append(c.worker.pid()).append(": ").append(c.how)
          .append(" after ").append(c.ran.toMillis()).append(" ms");
    }
    return b.toString();
  }

  private void stopped() {
    synchronized (this) {
      state = State.STOPPED;
    }
    transport.close();
    emit(new ClusterEvent.Stopped(killedAtStop.get()));
    timer.shutdownNow();
    CrashLoopException f;
    synchronized (this) {
      f = failure;
    }
    if (f != null) {
      terminated.completeExceptionally(f);
    } else {
      terminated.complete(null);
    }
  }

  // ------------------------------------------------------------------ the listening socket

  private void bind() throws IOException {
    if (config.listen == null) {
      return;
    }
    if (config.listenMode == ListenMode.SHARED) {
      listener = Handles.bindTcp(config.listen, config.backlog);
      listenerChannel = Handles.serverSocketChannel(listener);
      // O_NONBLOCK lives on the open socket that every worker shares: set it once here, or an
      // event loop's accept (Netty, epoll edge-triggered, accepting until EAGAIN) blocks inside
      // accept(2) whenever another worker took the connection, and starves that loop's clients
      listenerChannel.configureBlocking(false);
      // junixsocket's view of an adopted socket knows its port, not its address
      int port = ((InetSocketAddress) listenerChannel.getLocalAddress()).getPort();
      address = new InetSocketAddress(config.listen.getAddress(), port);
    } else if (config.listen.getPort() != 0) {
      address = config.listen;
    } else {
      // every worker must bind the same port: choose a free one (another process could take it
      // before the first worker binds; give a port to rule that out)
      try (ServerSocket probe = new ServerSocket(0, 1, config.listen.getAddress())) {
        address = new InetSocketAddress(config.listen.getAddress(), probe.getLocalPort());
      }
    }
    emit(new ClusterEvent.Listening(address, config.listenMode));
  }

  private void closeListener() {
    ServerSocketChannel ch = listenerChannel;
    if (ch != null) {
      closeQuietly(ch);
    }
  }

  private static void closeQuietly(AutoCloseable c) {
    if (c != null) {
      try {
        c.close();
      } catch (Exception ignored) {
        // closing on the way out: nothing to do about it
      }
    }
  }

  private void emit(ClusterEvent e) {
    for (ClusterListener l : listeners) {
      try {
        l.onEvent(e);
      } catch (RuntimeException ignored) {
        // a listener's failure must not stop the supervisor
      }
    }
  }

  private static void await(CompletableFuture<Void> f, WorkerProcess w) throws IOException {
    try {
      f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting for " + (w == null ? "the workers" : w.info));
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof CrashLoopException cl) {
        throw new CrashLoopException(cl.slot(), cl.getMessage());
      }
      throw new IpcException(c.getMessage(), c);
    }
  }

  // ------------------------------------------------------------------ state

  private static final class Slot {
    final int index;
    final CompletableFuture<Void> firstReady = new CompletableFuture<>();
    final Deque<Crash> crashes = new ArrayDeque<>();
    int generation;
    int consecutive;
    WorkerProcess current;
    ScheduledFuture<?> pendingRestart;

    Slot(int index) {
      this.index = index;
    }
  }

  private record Crash(long nanos, LocalTime at, WorkerInfo worker, String how, Duration ran) {}

  private static final class WorkerProcess {
    final Slot slot;
    final WorkerInfo info;
    final ChildProcess child;
    final String token;
    final long startedNanos = System.nanoTime();
    final CompletableFuture<Void> ready = new CompletableFuture<>();
    /** Completes once its exit has been reported. */
    final CompletableFuture<Void> gone = new CompletableFuture<>();
    volatile Channel channel;
    volatile boolean expectedExit;
    volatile boolean notReady;

    WorkerProcess(Slot slot, WorkerInfo info, ChildProcess child, String token) {
      this.slot = slot;
      this.info = info;
      this.child = child;
      this.token = token;
    }
  }

  /** How to run the workers; {@link #build()} makes the supervisor. Not thread-safe. */
  public static final class Builder {
    private final String mainClass;
    private final List<String> args;
    private int workers = Runtime.getRuntime().availableProcessors();
    private String transport = "fd";
    private List<String> jvmArgs;
    private final Map<String, String> environment = new LinkedHashMap<>();
    private InetSocketAddress listen;
    private ListenMode listenMode = ListenMode.SHARED;
    private int backlog = 511;
    private Duration readyTimeout = Duration.ofSeconds(30);
    private Duration shutdownTimeout = Duration.ofSeconds(10);
    private RestartPolicy policy = RestartPolicy.PM2;

    private Builder(String mainClass, List<String> args) {
      if (mainClass == null || mainClass.isBlank()) {
        throw new IllegalArgumentException("no worker main class given");
      }
      this.mainClass = mainClass;
      this.args = args;
    }

    /** How many workers (default: the CPU count). */
    public Builder workers(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("a cluster needs at least 1 worker, not " + n);
      }
      this.workers = n;
      return this;
    }

    /**
     * The channel to each worker: {@code "fd"} (the default) or {@code "pipe"}, as
     * {@link Spawn#channel(String)} takes them, with options after a '?'
     * ({@code "fd?maxMessage=1MiB"}); or a URI the supervisor listens on and each worker connects
     * to ({@code "unix:///run/app/supervisor.sock"}, {@code "tcp://127.0.0.1:0"}), given to the
     * worker in {@code IPCKIT_CHANNEL}; or {@code "unix"} (a socket in a fresh private directory)
     * or {@code "tcp"} (a free port on 127.0.0.1). The listening socket of {@link ListenMode#SHARED}
     * can only travel over a transport that passes handles: fd and unix.
     */
    public Builder transport(String spec) {
      this.transport = spec;
      return this;
    }

    /** The workers' JVM flags (default: this JVM's own). */
    public Builder jvmArgs(String... flags) {
      this.jvmArgs = List.of(flags);
      return this;
    }

    /** A variable in every worker's environment. */
    public Builder env(String name, String value) {
      environment.put(name, value);
      return this;
    }

    /** The TCP address the workers accept on (port 0: a free one); none by default. */
    public Builder listen(InetSocketAddress address) {
      this.listen = address;
      return this;
    }

    public Builder listenMode(ListenMode mode) {
      this.listenMode = mode;
      return this;
    }

    /** The listen backlog of a {@link ListenMode#SHARED} socket (default 511, as nginx). */
    public Builder backlog(int backlog) {
      this.backlog = backlog;
      return this;
    }

    /** How long a started worker has to say it is ready before it is killed (default 30 s). */
    public Builder readyTimeout(Duration timeout) {
      this.readyTimeout = positive(timeout, "readyTimeout");
      return this;
    }

    /** How long workers have to finish their in-flight work when stopped or retired (default 10 s). */
    public Builder shutdownTimeout(Duration timeout) {
      this.shutdownTimeout = positive(timeout, "shutdownTimeout");
      return this;
    }

    public Builder restartPolicy(RestartPolicy policy) {
      this.policy = policy;
      return this;
    }

    /**
     * @throws IllegalArgumentException the transport is unknown, or cannot pass the shared
     *     listening socket
     */
    public Supervisor build() {
      WorkerTransport t = WorkerTransport.of(transport);
      if (listen != null && listenMode == ListenMode.SHARED && !t.passesHandles()) {
        throw new IllegalArgumentException("the worker transport '" + transport + "' cannot pass the listening "
            + "socket to the workers: handle passing needs fd or unix; use transport(\"fd\") or a unix:// URI, or "
            + "listenMode(REUSE_PORT) so that each worker binds the port itself with SO_REUSEPORT");
      }
      return new Supervisor(this, t);
    }

    private static Duration positive(Duration d, String what) {
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(what + " must be positive, not " + d);
      }
      return d;
    }
  }
}
