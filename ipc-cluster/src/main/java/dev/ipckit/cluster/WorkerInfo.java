package dev.ipckit.cluster;

/**
 * One worker process: its {@code slot} (0 to N-1, kept by the processes that replace it), which
 * process of that slot it is ({@code generation}, from 1), and its pid.
 */
public record WorkerInfo(int slot, int generation, long pid) {
  /** "worker 1 (pid 4242)". */
  @Override
  public String toString() {
    return "worker " + slot + " (pid " + pid + ")";
  }
}
