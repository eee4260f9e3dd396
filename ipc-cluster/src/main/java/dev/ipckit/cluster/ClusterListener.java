package dev.ipckit.cluster;

/** Told of what happens to a supervisor's workers; called on the supervisor's threads, so it must not block. */
@FunctionalInterface
public interface ClusterListener {
  void onEvent(ClusterEvent event);
}
