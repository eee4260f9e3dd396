package dev.ipckit.cluster.pool;

import dev.ipckit.codec.BytesCodec;
import dev.ipckit.pipe.ChildProcess;
import dev.ipckit.pipe.ExitStatus;
import dev.ipckit.pipe.Signal;
import dev.ipckit.pipe.Spawn;
import dev.ipckit.pipe.SpawnException;
import dev.ipckit.typed.RemoteHandlerException;
import dev.ipckit.typed.RequestTimeoutException;
import dev.ipckit.typed.RpcChannel;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * One worker JVM of a pool, seen from the pool: the child process, the request/response channel
 * to it, and how to run a task on it and to end it. Used by one {@link WorkerSlot} thread.
 */
final class WorkerProcess {
  /** How long to wait for a process that was sent SIGKILL: the kernel ends it at once. */
  private static final Duration KILL_WAIT = Duration.ofSeconds(30);
  private static final long READY_RETRY_MILLIS = 20;

  final int id;
  private final ChildProcess child;
  private final RpcChannel<TaskMessage, byte[]> rpc;

  private WorkerProcess(int id, ChildProcess child, RpcChannel<TaskMessage, byte[]> rpc) {
    this.id = id;
    this.child = child;
    this.rpc = rpc;
  }

  /**
   * Starts the child and waits until it serves tasks.
   *
   * @throws SpawnException it could not be started, or exited or stayed silent until {@code timeout}
   */
  static WorkerProcess start(int id, Spawn spawn, Duration timeout) throws IOException, InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    ChildProcess child = spawn.start();
    try {
      RpcChannel<TaskMessage, byte[]> rpc = RpcChannel.open(child.channel(), TaskMessage.CODEC, BytesCodec.BYTES,
          Runnable::run);
      // a worker stops its RpcChannel as soon as it is dead, so a request in flight fails at once
      child.exit().whenComplete((s, e) -> rpc.close());
      WorkerProcess w = new WorkerProcess(id, child, rpc);
      w.awaitReady(end, timeout);
      return w;
    } catch (IOException | InterruptedException | RuntimeException e) {
      ExitStatus s = terminate(child, Duration.ZERO);
      child.close();
      if (e instanceof InterruptedException) {
        throw e;
      }
      throw new SpawnException("worker " + id + " (" + child + ") did not start: " + e.getMessage() + "; it "
          + WorkerExitedException.describe(s), e);
    }
  }

  /** Asks until the worker answers: a request sent before its main reached {@code run()} is refused. */
  private void awaitReady(long end, Duration timeout) throws IOException, InterruptedException {
    while (true) {
      long left = end - System.nanoTime();
      if (left <= 0) {
        throw new SpawnException("not ready within " + timeout.toMillis() + " ms");
      }
      try {
        rpc.request(TaskMessage.READY, Duration.ofNanos(left)).get();
        return;
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof RemoteHandlerException) || !rpc.isOpen()) {
          throw new SpawnException(String.valueOf(e.getCause().getMessage()), e.getCause());
        }
        Thread.sleep(READY_RETRY_MILLIS);
      }
    }
  }

  long pid() {
    return child.pid();
  }

  boolean isAlive() {
    return child.isAlive() && rpc.isOpen();
  }

  /**
   * Runs {@code task} here and settles its future.
   *
   * @param why gives, when the pool is shutting down, what to say in the failure of a task whose
   *     worker it killed; null otherwise
   * @return false if this worker is gone (it died, or overran the deadline and was killed)
   */
  boolean run(QueuedTask<?> task, Duration killGrace, Supplier<String> why) throws InterruptedException {
    try {
      task.succeed(rpc.request(task.message(), task.deadline).get());
      return true;
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RemoteHandlerException r) {
        task.fail(new TaskHandlerException(task.id, task.name, this.toString(), r.remoteType(), r.remoteMessage(), r));
        return true;
      }
      if (cause instanceof RequestTimeoutException) {
        String how = stopHow(killGrace);
        task.fail(new TaskTimeoutException(task.id, task.name, task.deadline, id, pid(), how));
        return false;
      }
      if (rpc.isOpen() && child.isAlive()) {
        // the input could not be sent (too large for the channel, say): the worker is fine
        task.fail(new TaskFailedException(task.id, task.name, task.describe() + " could not be sent to " + this + ": "
            + cause.getMessage(), cause));
        return true;
      }
      ExitStatus s = terminate(child, killGrace);
      task.fail(new WorkerExitedException(task.id, task.name, id, pid(), s, why.get()));
      return false;
    }
  }

  /** SIGTERM, then SIGKILL after {@code grace}: "sent SIGTERM, exited with code 143". */
  private String stopHow(Duration grace) throws InterruptedException {
    child.kill(Signal.TERM);
    ExitStatus s = waitForExit(child, grace);
    if (s != null) {
      return "sent SIGTERM and " + WorkerExitedException.describe(s);
    }
    return "sent SIGTERM, then SIGKILL after " + grace.toMillis() + " ms, and "
        + WorkerExitedException.describe(terminate(child, Duration.ZERO));
  }

  /**
   * Ends an idle worker: closing the channel tells its {@link PoolWorker#run()} to return; a
   * worker not gone after {@code grace} is killed.
   */
  void stop(Duration grace) throws InterruptedException {
    rpc.close();
    terminate(child, grace);
    closeChild();
  }

  /** Kills the worker now; the task it runs (if any) fails in {@link #run}. */
  void kill() {
    child.kill(Signal.KILL);
  }

  void closeChild() {
    rpc.close();
    try {
      child.close();
    } catch (IOException ignored) {
      // the child is gone; its descriptors are closed all the same
    }
  }

  /** Waits {@code grace} for the child to end by itself, then SIGKILLs it; returns how it ended. */
  private static ExitStatus terminate(ChildProcess child, Duration grace) throws InterruptedException {
    ExitStatus s = grace.isZero() ? child.exit().getNow(null) : waitForExit(child, grace);
    if (s == null) {
      child.kill(Signal.KILL);
      s = waitForExit(child, KILL_WAIT);
      if (s == null) {
        throw new IllegalStateException(child + " still runs " + KILL_WAIT.toSeconds() + " s after SIGKILL");
      }
    }
    return s;
  }

  private static ExitStatus waitForExit(ChildProcess child, Duration timeout) throws InterruptedException {
    try {
      return child.exit().get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      return null;
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
    }
  }

  /** "worker 3 (pid 1234)". */
  @Override
  public String toString() {
    return "worker " + id + " (pid " + pid() + ")";
  }
}
