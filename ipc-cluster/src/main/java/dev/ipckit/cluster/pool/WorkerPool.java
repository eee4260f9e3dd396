package dev.ipckit.cluster.pool;

import dev.ipckit.pipe.Spawn;
import dev.ipckit.pipe.SpawnException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Runs tasks in child JVMs: the process pool of Node's world, for work that may crash, leak or
 * hang and must not take the application with it. Each worker is a JVM started from a main class
 * that registers handlers with {@link PoolWorker}; each task is a {@link TaskType} and an input.
 *
 * <pre>{@code
 * try (WorkerPool pool = WorkerPool.builder(ImageWorker.class).size(4).start()) {
 *   CompletableFuture<Thumbnail> t = pool.submit(Tasks.RESIZE, image);
 * }
 * }</pre>
 *
 * <p><b>Scheduling.</b> A worker runs one task at a time; tasks wait in a FIFO queue of
 * {@link Builder#queueCapacity bounded capacity}. When it is full, {@link #submit} <b>blocks</b>
 * until there is room, up to {@link Builder#submitTimeout}, then throws {@link PoolFullException}
 * (a timeout of zero rejects at once). A task's deadline counts from when a worker starts it.
 *
 * <p><b>Outcomes.</b> The future completes with the result, or fails with a
 * {@link TaskFailedException}: {@link TaskHandlerException} when the handler threw (the worker
 * lives on and is reused); {@link WorkerExitedException} when the worker died while running it
 * ("worker 3 (pid 1234) killed by SIGKILL while running task 17 'resize'"); {@link
 * TaskTimeoutException} when the task overran its deadline, in which case its worker is sent
 * SIGTERM, then SIGKILL after {@link Builder#killGrace}. A dead or killed worker is replaced; the
 * other tasks go on. Futures complete on the pool's threads: chain blocking work with the
 * {@code *Async} methods. Cancelling a future drops a queued task; a running one runs to its end.
 *
 * <p><b>Closing.</b> {@link #close()} takes no more tasks, lets the queued and running ones finish,
 * then stops the workers (their channels close, their {@code run()} returns; a worker still there
 * after the kill grace is killed) and waits until each is reaped. {@link #shutdownNow()} fails the
 * queued tasks and kills the workers at once. Either leaves no process, thread or descriptor
 * behind; a worker whose pool process dies, even by SIGKILL, exits by itself.
 *
 * <p>Thread-safe.
 */
public final class WorkerPool implements AutoCloseable {
  private static final AtomicInteger POOLS = new AtomicInteger();
  private static final long TAKE_SLICE_MILLIS = 100;

  private enum State { RUNNING, CLOSING, STOPPING, CLOSED }

  private final String name;
  private final Builder config;
  private final BlockingQueue<QueuedTask<?>> queue;
  private final AtomicLong taskIds = new AtomicLong();
  private final AtomicInteger workerIds = new AtomicInteger();
  private final List<WorkerSlot> slots = new ArrayList<>();
  private final AtomicInteger liveSlots = new AtomicInteger();
  private volatile State state = State.RUNNING;
  private volatile Throwable gaveUp;

  private WorkerPool(Builder config) {
    this.config = config;
    this.name = "pool-" + POOLS.incrementAndGet();
    this.queue = new ArrayBlockingQueue<>(config.queueCapacity);
  }

  /** A pool whose workers run {@code workerMain} (which calls {@link PoolWorker#run()}) with {@code args}. */
  public static Builder builder(Class<?> workerMain, String... args) {
    return new Builder(workerMain.getName(), args);
  }

  /** As {@link #builder(Class, String...)}, naming the main class. */
  public static Builder builder(String workerMainClass, String... args) {
    return new Builder(workerMainClass, args);
  }

  /** Submits with the pool's default deadline ({@link Builder#deadline}). */
  public <T, R> CompletableFuture<R> submit(TaskType<T, R> type, T input) {
    return submit(type, input, config.deadline);
  }

  /**
   * Queues a task; blocks while the queue is full, up to the submit timeout.
   *
   * @param deadline how long the task may run once a worker starts it
   * @return its result; an input the codec cannot encode fails the future at once
   * @throws PoolFullException the queue stayed full for the submit timeout
   * @throws RejectedExecutionException the pool is closed, or gave up because its workers would not start
   */
  public <T, R> CompletableFuture<R> submit(TaskType<T, R> type, T input, Duration deadline) {
    Objects.requireNonNull(type, "type");
    requirePositive(deadline, "deadline");
    checkAccepting();
    long id = taskIds.incrementAndGet();
    byte[] encoded;
    try {
      encoded = PoolWorker.encode(type.input(), input);
    } catch (RuntimeException e) { // a codec's refusal, or a bug in a user's codec: the caller hears of it either way
      Throwable cause = e instanceof UncheckedIOException u ? u.getCause() : e;
      return CompletableFuture.failedFuture(new TaskFailedException(id, type.name(),
          TaskFailedException.describe(id, type.name()) + ": its input does not encode: " + cause.getMessage(), cause));
    }
    QueuedTask<R> task = new QueuedTask<>(id, type, encoded, deadline);
    boolean queued;
    try {
      queued = queue.offer(task, config.submitTimeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new PoolFullException(name + ": interrupted while waiting for room in the queue for " + task.describe());
    }
    if (!queued) {
      throw new PoolFullException(name + ": the queue of " + config.queueCapacity + " tasks stayed full for "
          + config.submitTimeout.toMillis() + " ms; " + task.describe() + " was not queued");
    }
    if (state == State.CLOSED) {
      failQueued("the pool closed before it started"); // close() had already emptied the queue
    }
    return task.future;
  }

  /** The number of worker processes. */
  public int size() {
    return config.size;
  }

  /** Tasks waiting for a worker. */
  public int queued() {
    return queue.size();
  }

  /** The pids of the workers alive now (one being replaced is missing). */
  public List<Long> workerPids() {
    List<Long> pids = new ArrayList<>();
    for (WorkerSlot s : slots) {
      WorkerProcess w = s.worker();
      if (w != null && w.isAlive()) {
        pids.add(w.pid());
      }
    }
    return pids;
  }

  /**
   * Takes no more tasks, runs those queued, stops the workers and waits until they are reaped.
   * Idempotent. Called from one of this pool's callbacks, it does not wait for that callback's
   * own worker.
   */
  @Override
  public void close() {
    synchronized (this) {
      if (state == State.RUNNING) {
        state = State.CLOSING;
      }
    }
    awaitSlots();
  }

  /**
   * Fails the queued tasks, kills the workers (their running tasks fail with a
   * {@link WorkerExitedException} that says the pool was shut down) and waits until they are reaped.
   *
   * @return how many queued tasks never started
   */
  public int shutdownNow() {
    synchronized (this) {
      if (state != State.CLOSED) {
        state = State.STOPPING;
      }
    }
    int dropped = failQueued("the pool was shut down before it started");
    slots.forEach(WorkerSlot::killWorker);
    awaitSlots();
    return dropped;
  }

  public String name() {
    return name;
  }

  @Override
  public String toString() {
    return "WorkerPool " + name + " (" + config.mainClass + ", " + config.size + " workers, " + state + ")";
  }

  // ------------------------------------------------------------------ for the slots

  private void startSlots() throws IOException {
    for (int i = 1; i <= config.size; i++) {
      WorkerSlot s = new WorkerSlot(this, i);
      slots.add(s);
      liveSlots.incrementAndGet();
      s.start();
    }
    try {
      for (WorkerSlot s : slots) {
        s.firstReady.get();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      shutdownNow();
      throw new InterruptedIOException("interrupted while " + name + " started its workers");
    } catch (ExecutionException e) {
      shutdownNow();
      Throwable c = e.getCause();
      throw new SpawnException(name + " could not start its workers (" + config.mainClass + "): " + c.getMessage(), c);
    }
  }

  Spawn spawnFor(int workerId) {
    Spawn spawn = Spawn.java(config.mainClass, config.args).env(PoolWorker.WORKER_ID_ENV, String.valueOf(workerId));
    if (config.jvmArgs != null) {
      spawn.jvmArgs(config.jvmArgs);
    }
    config.customizer.accept(spawn);
    return spawn;
  }

  int nextWorkerId() {
    return workerIds.incrementAndGet();
  }

  Duration startTimeout() {
    return config.startTimeout;
  }

  Duration killGrace() {
    return config.killGrace;
  }

  /** Said in the failure of a task whose worker shutdownNow killed; null before. */
  String stopReason() {
    State s = state;
    return s == State.STOPPING || s == State.CLOSED ? "the pool was shut down" : null;
  }

  boolean wantsWorkers() {
    State s = state;
    return s == State.RUNNING || (s == State.CLOSING && !queue.isEmpty());
  }

  /**
   * The next task for the worker of a slot, waiting for one; null when the worker should stop: it
   * died while idle, or the pool is closing with nothing left to run, or shutting down.
   */
  QueuedTask<?> take(WorkerProcess worker) throws InterruptedException {
    while (true) {
      State s = state;
      if (s == State.STOPPING || s == State.CLOSED || !worker.isAlive()) {
        return null;
      }
      QueuedTask<?> task = queue.poll(TAKE_SLICE_MILLIS, TimeUnit.MILLISECONDS);
      if (task != null) {
        if (!task.isDone()) { // not cancelled while it waited
          return task;
        }
      } else if (s == State.CLOSING) {
        return null;
      }
    }
  }

  /** A slot's thread ends; when the last one ends with work left, no one will run it. */
  void slotEnded(WorkerSlot slot, Throwable cause) {
    if (cause != null) {
      gaveUp = cause;
    }
    if (liveSlots.decrementAndGet() == 0 && gaveUp != null && wantsWorkers()) {
      failQueued("no worker could be started: " + gaveUp.getMessage());
    }
  }

  private void checkAccepting() {
    State s = state;
    if (s != State.RUNNING) {
      throw new RejectedExecutionException(name + " is " + (s == State.CLOSING ? "closing" : "closed")
          + ": it takes no more tasks");
    }
    if (liveSlots.get() == 0) {
      throw new RejectedExecutionException(name + " has no workers left: its workers would not start ("
          + (gaveUp == null ? "?" : gaveUp.getMessage()) + ")", gaveUp);
    }
  }

  private int failQueued(String why) {
    int n = 0;
    for (QueuedTask<?> t; (t = queue.poll()) != null; n++) {
      t.fail(new TaskFailedException(t.id, t.name, t.describe() + " did not run: " + why, gaveUp));
    }
    return n;
  }

  private void awaitSlots() {
    boolean interrupted = false;
    for (WorkerSlot s : slots) {
      if (s.isOwnThread()) {
        continue;
      }
      while (true) {
        try {
          s.join();
          break;
        } catch (InterruptedException e) {
          interrupted = true; // closing must finish, or processes would be left behind
        }
      }
    }
    state = State.CLOSED;
    failQueued("the pool closed before it started");
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  private static void requirePositive(Duration d, String what) {
    if (d == null || d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(what + " must be positive, got " + d);
    }
  }

  /** How to start a pool. Not thread-safe. */
  public static final class Builder {
    private final String mainClass;
    private final String[] args;
    private int size = Runtime.getRuntime().availableProcessors();
    private int queueCapacity = 1024;
    private Duration submitTimeout = Duration.ofMinutes(1);
    private Duration deadline = Duration.ofSeconds(30);
    private Duration killGrace = Duration.ofSeconds(2);
    private Duration startTimeout = Duration.ofSeconds(30);
    private String[] jvmArgs;
    private Consumer<Spawn> customizer = s -> { };

    private Builder(String mainClass, String[] args) {
      this.mainClass = Objects.requireNonNull(mainClass, "mainClass");
      this.args = args.clone();
    }

    /** The number of worker processes (default: the CPU count). */
    public Builder size(int size) {
      if (size < 1) {
        throw new IllegalArgumentException("a pool needs at least one worker, got " + size);
      }
      this.size = size;
      return this;
    }

    /** How many tasks may wait for a worker (default 1024); running tasks do not count. */
    public Builder queueCapacity(int capacity) {
      if (capacity < 1) {
        throw new IllegalArgumentException("queue capacity must be at least 1, got " + capacity);
      }
      this.queueCapacity = capacity;
      return this;
    }

    /** How long {@link #submit} blocks while the queue is full (default 1 min); zero rejects at once. */
    public Builder submitTimeout(Duration timeout) {
      if (timeout == null || timeout.isNegative()) {
        throw new IllegalArgumentException("submit timeout must be zero or positive, got " + timeout);
      }
      this.submitTimeout = timeout;
      return this;
    }

    /** How long a task may run once started, unless given to {@code submit} (default 30 s). */
    public Builder deadline(Duration deadline) {
      requirePositive(deadline, "deadline");
      this.deadline = deadline;
      return this;
    }

    /** How long a worker sent SIGTERM, or told to stop, has before SIGKILL (default 2 s). */
    public Builder killGrace(Duration grace) {
      requirePositive(grace, "kill grace");
      this.killGrace = grace;
      return this;
    }

    /** How long a new worker has to serve its first request (default 30 s). */
    public Builder startTimeout(Duration timeout) {
      requirePositive(timeout, "start timeout");
      this.startTimeout = timeout;
      return this;
    }

    /** The workers' JVM flags (default: this JVM's, see {@link Spawn#jvmArgs}). */
    public Builder jvmArgs(String... flags) {
      this.jvmArgs = flags.clone();
      return this;
    }

    /**
     * Adjusts how each worker is started (environment, directory, stdio, class path), once per
     * worker, on a fresh {@link Spawn}. Leave its channel alone: the pool talks over it.
     */
    public Builder spawn(Consumer<Spawn> customizer) {
      this.customizer = Objects.requireNonNull(customizer, "customizer");
      return this;
    }

    /** What the pool keeps, so that changing this builder later does not change the pool. */
    private Builder copy() {
      Builder b = new Builder(mainClass, args);
      b.size = size;
      b.queueCapacity = queueCapacity;
      b.submitTimeout = submitTimeout;
      b.deadline = deadline;
      b.killGrace = killGrace;
      b.startTimeout = startTimeout;
      b.jvmArgs = jvmArgs;
      b.customizer = customizer;
      return b;
    }

    /**
     * Starts the workers and waits until each serves.
     *
     * @throws SpawnException a worker could not be started or did not become ready; none is left running
     */
    public WorkerPool start() throws IOException {
      WorkerPool pool = new WorkerPool(copy());
      pool.startSlots();
      return pool;
    }
  }
}
