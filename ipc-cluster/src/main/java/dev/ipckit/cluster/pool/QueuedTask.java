package dev.ipckit.cluster.pool;

import dev.ipckit.codec.Codec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** A submitted task: its encoded input, its deadline, and the future its result completes. */
final class QueuedTask<R> {
  final long id;
  final String name;
  final byte[] input;
  final Duration deadline;
  private final Codec<R> result;
  final CompletableFuture<R> future = new CompletableFuture<>();

  QueuedTask(long id, TaskType<?, R> type, byte[] input, Duration deadline) {
    this.id = id;
    this.name = type.name();
    this.input = input;
    this.deadline = deadline;
    this.result = type.result();
  }

  TaskMessage message() {
    return new TaskMessage(name, input);
  }

  /** Decodes the worker's answer; a result that does not decode fails the task, not the worker. */
  void succeed(byte[] encoded) {
    try {
      future.complete(result.decode(ByteBuffer.wrap(encoded)));
    } catch (IOException | RuntimeException e) {
      future.completeExceptionally(new TaskFailedException(id, name, describe() + ": its result does not decode: "
          + e.getMessage(), e));
    }
  }

  void fail(Throwable t) {
    future.completeExceptionally(t);
  }

  /** Cancelled by the caller while it waited in the queue. */
  boolean isDone() {
    return future.isDone();
  }

  String describe() {
    return TaskFailedException.describe(id, name);
  }
}
