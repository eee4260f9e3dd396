package dev.ipckit.cluster;

import java.nio.ByteBuffer;

/** Receives what workers send their supervisor; called on that worker's reader thread, in order. */
@FunctionalInterface
public interface WorkerMessageListener {
  void onMessage(WorkerInfo from, ByteBuffer message);
}
