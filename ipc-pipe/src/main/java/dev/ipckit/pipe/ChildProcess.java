package dev.ipckit.pipe;

import dev.ipckit.Channel;
import dev.ipckit.IpcException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A child process started by {@link Spawn}, with a {@link Channel} to it (unless started with
 * {@code channel("none")}), its exit status as a future, and signals.
 *
 * <p>It is a {@link Process}, so code written for {@code ProcessBuilder} works with it:
 * {@link #waitFor()}, {@link #exitValue()} (128 + the signal number for a killed child, as a
 * shell reports it), {@link #destroy()} (SIGTERM), {@link #destroyForcibly()} (SIGKILL), and the
 * streams of piped stdio. Every child is reaped by a thread of its own with {@code waitpid(pid)}
 * as soon as it exits, so none is ever left a zombie, whether or not anyone waits for it.
 *
 * <p>{@link #close()} closes the channel and the parent's ends of the pipes; it does not kill the
 * child. A child that opened its channel with {@code Channels.fromEnvironment()} exits by itself
 * when this process dies (unless {@link Spawn#exitWithParent(boolean) told otherwise}).
 *
 * <p>Thread-safe.
 */
public final class ChildProcess extends Process implements AutoCloseable {
  private final int pid;
  private final List<String> command;
  private final String description;
  private final Reaper reaper;
  private final boolean processGroup;
  private final OutputStream stdin;
  private final InputStream stdout;
  private final InputStream stderr;
  private volatile CompletableFuture<Channel> channel;
  private volatile ChildChannel plan;

  ChildProcess(int pid, List<String> command, String description, Reaper reaper, boolean processGroup, OutputStream stdin,
      InputStream stdout, InputStream stderr) {
    this.pid = pid;
    this.command = List.copyOf(command);
    this.description = description;
    this.reaper = reaper;
    this.processGroup = processGroup;
    this.stdin = stdin != null ? stdin : OutputStream.nullOutputStream();
    this.stdout = stdout != null ? stdout : InputStream.nullInputStream();
    this.stderr = stderr != null ? stderr : InputStream.nullInputStream();
  }

  void attach(ChildChannel plan, CompletableFuture<Channel> channel) {
    this.plan = plan;
    this.channel = channel;
  }

  @Override
  public long pid() {
    return pid;
  }

  /** The command line the child was started with. */
  public List<String> command() {
    return command;
  }

  /** Whether this child was started with a channel. */
  public boolean hasChannel() {
    return channel != null;
  }

  /**
   * The channel to the child, once it has opened its end (the handshake runs in the background
   * from the moment the child starts). Waits up to the channel's {@code connectTimeout}.
   *
   * @throws SpawnException the child exited, or closed its end, before opening its channel; the
   *     message says how it exited
   * @throws IllegalStateException the child was started without a channel
   */
  public Channel channel() throws IOException {
    CompletableFuture<Channel> f = channel;
    if (f == null) {
      throw new IllegalStateException(this + " was started with channel(\"none\")");
    }
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting for the channel to " + this);
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof SpawnException s) {
        // a fresh exception, so the caller's stack shows where it was asked for
        throw new SpawnException(s.getMessage(), s);
      }
      if (c instanceof IOException io) {
        throw new IpcException(io.getMessage(), io);
      }
      throw new IpcException("opening the channel to " + this + " failed: " + c, c);
    }
  }

  /** Completes with how the child ended (exceptionally only if something else reaped it). */
  public CompletableFuture<ExitStatus> exit() {
    return reaper.exit().copy();
  }

  /**
   * Waits up to {@code timeout} for the child to end.
   *
   * @return how it ended, or null if it is still running
   */
  public ExitStatus waitForExit(Duration timeout) throws InterruptedException, IOException {
    try {
      return reaper.exit().get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      return null;
    } catch (ExecutionException e) {
      throw new IpcException(e.getCause().getMessage(), e.getCause());
    }
  }

  /**
   * Sends {@code signal} to the child, or to its whole process group when it was started with
   * {@link Spawn#processGroup(boolean)}.
   *
   * @return false if the child had already ended (nothing was sent)
   */
  public boolean kill(Signal signal) {
    return reaper.signal(signal.number(), processGroup);
  }

  /** Sends SIGTERM. */
  public boolean kill() {
    return kill(Signal.TERM);
  }

  // ------------------------------------------------------------------ Process

  @Override
  public OutputStream getOutputStream() {
    return stdin;
  }

  @Override
  public InputStream getInputStream() {
    return stdout;
  }

  @Override
  public InputStream getErrorStream() {
    return stderr;
  }

  @Override
  public int waitFor() throws InterruptedException {
    try {
      return reaper.exit().get().shellCode();
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
    }
  }

  @Override
  public boolean waitFor(long timeout, TimeUnit unit) throws InterruptedException {
    try {
      reaper.exit().get(timeout, unit);
      return true;
    } catch (TimeoutException e) {
      return false;
    } catch (ExecutionException e) {
      return true;
    }
  }

  @Override
  public int exitValue() {
    ExitStatus s = reaper.exit().getNow(null);
    if (s == null) {
      throw new IllegalThreadStateException(this + " has not exited");
    }
    return s.shellCode();
  }

  @Override
  public boolean isAlive() {
    return !reaper.exit().isDone();
  }

  @Override
  public CompletableFuture<Process> onExit() {
    return reaper.exit().handle((s, e) -> this);
  }

  @Override
  public boolean supportsNormalTermination() {
    return true;
  }

  /** SIGTERM. */
  @Override
  public void destroy() {
    kill(Signal.TERM);
  }

  /** SIGKILL. */
  @Override
  public Process destroyForcibly() {
    kill(Signal.KILL);
    return this;
  }

  /**
   * Closes the channel (saying goodbye, so the child's receive reports the close) and the parent's
   * ends of piped stdio. The child is not killed. Idempotent.
   */
  @Override
  public void close() throws IOException {
    IOException first = null;
    CompletableFuture<Channel> f = channel;
    if (f != null) {
      if (!f.isDone()) {
        plan.abort(); // ends a handshake still waiting for the child
      }
      Channel ch = f.handle((c, e) -> c).join();
      if (ch != null) {
        try {
          ch.close();
        } catch (IOException e) {
          first = e;
        }
      }
    }
    for (java.io.Closeable c : new java.io.Closeable[] {stdin, stdout, stderr}) {
      try {
        c.close();
      } catch (IOException e) {
        if (first == null) {
          first = e;
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }

  /** "child 1234 (node child.js)". */
  @Override
  public String toString() {
    return "child " + pid + " (" + description + ")";
  }
}
