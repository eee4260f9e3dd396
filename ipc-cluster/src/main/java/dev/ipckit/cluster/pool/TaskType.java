package dev.ipckit.cluster.pool;

import dev.ipckit.codec.BytesCodec;
import dev.ipckit.codec.Codec;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * A kind of task a {@link WorkerPool} runs: its name and how its input and result are encoded.
 * Define it once, as a constant both sides see; the worker registers a handler for it
 * ({@link PoolWorker#handle}) and the parent submits inputs of it ({@link WorkerPool#submit}).
 *
 * <pre>{@code
 * static final TaskType<Image, Thumbnail> RESIZE = TaskType.of("resize", images, thumbnails);
 * }</pre>
 *
 * @param name 1 to {@value #MAX_NAME_BYTES} bytes of UTF-8, unique among a worker's handlers
 * @param input encodes the input in the parent and decodes it in the worker
 * @param result encodes the result in the worker and decodes it in the parent
 * @param <T> the input
 * @param <R> the result
 */
public record TaskType<T, R>(String name, Codec<T> input, Codec<R> result) {
  public static final int MAX_NAME_BYTES = 255;

  public TaskType {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(input, "input");
    Objects.requireNonNull(result, "result");
    int bytes = name.getBytes(StandardCharsets.UTF_8).length;
    if (bytes == 0 || bytes > MAX_NAME_BYTES) {
      throw new IllegalArgumentException("a task name takes 1 to " + MAX_NAME_BYTES + " bytes of UTF-8, '"
          + name + "' has " + bytes);
    }
  }

  public static <T, R> TaskType<T, R> of(String name, Codec<T> input, Codec<R> result) {
    return new TaskType<>(name, input, result);
  }

  /** A task whose input and result are raw bytes. */
  public static TaskType<byte[], byte[]> bytes(String name) {
    return new TaskType<>(name, BytesCodec.BYTES, BytesCodec.BYTES);
  }

  @Override
  public String toString() {
    return "'" + name + "' (" + input.name() + " -> " + result.name() + ")";
  }
}
