package dev.ipckit.cluster.pool;

import dev.ipckit.Channel;
import dev.ipckit.Channels;
import dev.ipckit.codec.BytesCodec;
import dev.ipckit.codec.Codec;
import dev.ipckit.typed.RpcChannel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * The worker side of a {@link WorkerPool}: the main class the pool starts registers a handler per
 * {@link TaskType} and calls {@link #run()}.
 *
 * <pre>{@code
 * public final class ImageWorker {
 *   public static void main(String[] args) throws IOException {
 *     PoolWorker.create()
 *         .handle(Tasks.RESIZE, image -> image.scaled(128))
 *         .handle(TaskType.bytes("checksum"), bytes -> sha256(bytes))
 *         .run();   // returns when the pool stops this worker
 *   }
 * }
 * }</pre>
 *
 * <p>Tasks run one at a time, in the order the pool sends them, on one thread. A handler that
 * throws fails only its task ({@link TaskHandlerException} in the parent). A handler that ends the
 * process or hangs fails its task too, and the pool starts a new worker. The worker reaches the
 * pool through {@link Channels#fromEnvironment()}, and exits by itself when the pool's process
 * dies.
 */
public final class PoolWorker {
  /** The environment variable that holds this worker's number in its pool. */
  public static final String WORKER_ID_ENV = "IPCKIT_WORKER_ID";
  private static final long CLOSE_POLL_MILLIS = 50;

  private final Map<String, Function<byte[], byte[]>> handlers = new LinkedHashMap<>();

  private PoolWorker() {}

  public static PoolWorker create() {
    return new PoolWorker();
  }

  /** This worker's number in its pool (1, 2, ...), or 0 when not started by a pool. */
  public static int id() {
    String v = System.getenv(WORKER_ID_ENV);
    return v == null ? 0 : Integer.parseInt(v);
  }

  /**
   * Runs {@code handler} for each task of {@code type}.
   *
   * @throws IllegalStateException a handler for that name is already registered
   */
  public <T, R> PoolWorker handle(TaskType<T, R> type, Function<? super T, ? extends R> handler) {
    Objects.requireNonNull(handler, "handler");
    if (handlers.containsKey(type.name())) {
      throw new IllegalStateException("a handler for task '" + type.name() + "' is already registered");
    }
    handlers.put(type.name(), payload -> encode(type.result(), handler.apply(decode(type.input(), payload))));
    return this;
  }

  /**
   * Opens the channel to the pool, serves its tasks, and returns once the pool closes it (the pool
   * stops the worker that way). Let {@code main} return then: the pool kills a worker still
   * running after its kill grace.
   */
  public void run() throws IOException {
    if (handlers.isEmpty()) {
      throw new IllegalStateException("no handlers: call handle(...) before run()");
    }
    Channel channel = Channels.fromEnvironment();
    try (RpcChannel<TaskMessage, byte[]> rpc = RpcChannel.open(channel, TaskMessage.CODEC, BytesCodec.BYTES)) {
      rpc.serve(this::dispatch);
      while (rpc.isOpen()) {
        Thread.sleep(CLOSE_POLL_MILLIS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private byte[] dispatch(TaskMessage task) {
    if (task.isReadyProbe()) {
      return task.payload();
    }
    Function<byte[], byte[]> h = handlers.get(task.name());
    if (h == null) {
      throw new IllegalArgumentException("this worker has no handler for task '" + task.name() + "'; it handles "
          + String.join(", ", handlers.keySet()));
    }
    return h.apply(task.payload());
  }

  private static <T> T decode(Codec<T> codec, byte[] payload) {
    try {
      return codec.decode(ByteBuffer.wrap(payload));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static <T> byte[] encode(Codec<T> codec, T value) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      codec.encode(value, out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }
}
