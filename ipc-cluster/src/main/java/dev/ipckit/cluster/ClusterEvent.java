package dev.ipckit.cluster;

import dev.ipckit.cluster.internal.HostPort;
import dev.ipckit.pipe.ExitStatus;
import java.net.InetSocketAddress;
import java.time.Duration;

/** What happened to a supervisor or one of its workers; each reads as one line of a log. */
public sealed interface ClusterEvent {

  /** The supervisor bound its port (or chose it, for {@link ListenMode#REUSE_PORT}). */
  record Listening(InetSocketAddress address, ListenMode mode) implements ClusterEvent {
    @Override
    public String toString() {
      return "listening on " + HostPort.format(address) + " ("
          + (mode == ListenMode.SHARED ? "one socket shared by the workers" : "SO_REUSEPORT") + ")";
    }
  }

  /** Workers connect to {@code uri} (a worker transport that listens: unix, tcp). */
  record AcceptingWorkers(String uri) implements ClusterEvent {
    @Override
    public String toString() {
      return "workers connect to " + uri;
    }
  }

  /** A connection to the workers' address that was not one of them (or not in time) was closed. */
  record ChannelRefused(String reason) implements ClusterEvent {
    @Override
    public String toString() {
      return reason;
    }
  }

  /** Every worker said it was ready: the cluster serves. */
  record Ready(int workers) implements ClusterEvent {
    @Override
    public String toString() {
      return "ready (" + workers + " workers)";
    }
  }

  record WorkerStarted(WorkerInfo worker) implements ClusterEvent {
    @Override
    public String toString() {
      return worker + " started";
    }
  }

  record WorkerReady(WorkerInfo worker, Duration after) implements ClusterEvent {
    @Override
    public String toString() {
      return worker + " ready after " + after.toMillis() + " ms";
    }
  }

  /** The worker did not say it was ready within the deadline, and was killed. */
  record WorkerNotReady(WorkerInfo worker, Duration deadline) implements ClusterEvent {
    @Override
    public String toString() {
      return worker + " was not ready within " + deadline.toMillis() + " ms; killed";
    }
  }

  /** A worker ended: {@code expected} when the supervisor asked it to (retirement, shutdown). */
  record WorkerExited(WorkerInfo worker, ExitStatus status, boolean expected) implements ClusterEvent {
    @Override
    public String toString() {
      return worker + " exited (" + status + ")" + (expected ? "" : " unexpectedly");
    }
  }

  /** The channel to a worker failed (not by its exit); the worker is killed, and restarted. */
  record ChannelFailed(WorkerInfo worker, String error) implements ClusterEvent {
    @Override
    public String toString() {
      return "the channel to " + worker + " failed: " + error + "; killing it";
    }
  }

  record RestartScheduled(int slot, int consecutive, Duration delay) implements ClusterEvent {
    @Override
    public String toString() {
      return "restarting worker " + slot + " in " + delay.toMillis() + " ms (restart " + consecutive + " in a row)";
    }
  }

  /** The supervisor gave up: a slot crashed in a loop. {@code report} says how. */
  record GaveUp(int slot, String report) implements ClusterEvent {
    @Override
    public String toString() {
      return "giving up: " + report;
    }
  }

  record ReloadStarted(int workers) implements ClusterEvent {
    @Override
    public String toString() {
      return "reload: replacing " + workers + " worker(s) one at a time";
    }
  }

  record ReloadFinished(Duration took) implements ClusterEvent {
    @Override
    public String toString() {
      return "reload done in " + took.toMillis() + " ms";
    }
  }

  record ReloadFailed(String reason) implements ClusterEvent {
    @Override
    public String toString() {
      return "reload failed: " + reason;
    }
  }

  record ShutdownStarted(String reason, Duration deadline) implements ClusterEvent {
    @Override
    public String toString() {
      return "shutting down (" + reason + "): workers have " + deadline.toMillis() + " ms to finish";
    }
  }

  /** Every worker is gone; {@code killed} of them had to be killed. */
  record Stopped(int killed) implements ClusterEvent {
    @Override
    public String toString() {
      return "stopped" + (killed == 0 ? "" : " (" + killed + " worker(s) killed)");
    }
  }
}
