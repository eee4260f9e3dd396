package dev.ipckit.cluster.pool;

import java.util.concurrent.RejectedExecutionException;

/**
 * {@link WorkerPool#submit} found the queue full for longer than the pool's submit timeout (or was
 * interrupted while it waited). Nothing was queued; the message gives the queue's capacity.
 */
public class PoolFullException extends RejectedExecutionException {
  PoolFullException(String message) {
    super(message);
  }
}
