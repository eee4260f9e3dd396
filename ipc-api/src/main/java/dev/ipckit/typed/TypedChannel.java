package dev.ipckit.typed;

import dev.ipckit.Channel;
import dev.ipckit.ProtocolException;
import dev.ipckit.codec.Codec;
import dev.ipckit.typed.internal.MessageBuffer;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Objects;

/**
 * A {@link Channel} that carries values: each {@link #send} is one message holding
 * {@code codec.encode(value)}, nothing more, so a peer without ipckit reads it with the same
 * codec (plain JSON, plain UTF-8). It starts no threads.
 *
 * <pre>{@code
 * try (TypedChannel<Order> orders = TypedChannel.of(Channels.open(uri), JsonCodec.of(Order.class))) {
 *   orders.send(new Order(42, "tea"));
 *   Order reply = orders.receive(Duration.ofSeconds(1));   // null on timeout
 * }
 * }</pre>
 *
 * <p><b>Threading</b> is the channel's: {@link #send} from any number of threads, {@link #receive}
 * from one at a time. Null values are not carried, since {@code receive} returns null for a
 * timeout.
 *
 * @param <T> the type of value carried
 */
public final class TypedChannel<T> implements Closeable {
  private final Channel channel;
  private final Codec<T> codec;

  private TypedChannel(Channel channel, Codec<T> codec) {
    this.channel = Objects.requireNonNull(channel, "channel");
    this.codec = Objects.requireNonNull(codec, "codec");
  }

  /** Wraps {@code channel}, which now belongs to the typed channel: closing one closes both. */
  public static <T> TypedChannel<T> of(Channel channel, Codec<T> codec) {
    return new TypedChannel<>(channel, codec);
  }

  /**
   * Encodes {@code value} and sends it as one message.
   *
   * @throws dev.ipckit.codec.CodecException the codec cannot encode it; nothing was sent
   * @throws IOException as {@link Channel#send}
   */
  public void send(T value) throws IOException {
    Objects.requireNonNull(value, "value (a typed channel does not carry null)");
    MessageBuffer b = MessageBuffer.acquire();
    try {
      codec.encode(value, b);
      channel.send(b.view());
    } finally {
      b.release();
    }
  }

  /**
   * The next value, or {@code null} if no message arrived within {@code timeout}.
   *
   * @throws dev.ipckit.codec.CodecException the message is not a valid encoding; the channel stays
   *     usable and the next message can be received
   * @throws IOException as {@link Channel#receive(Duration)}
   */
  public T receive(Duration timeout) throws IOException {
    return decode(channel.receive(timeout));
  }

  /** {@link #receive(Duration)} with the channel's {@code receiveTimeout} option. */
  public T receive() throws IOException {
    return decode(channel.receive());
  }

  private T decode(ByteBuffer message) throws IOException {
    if (message == null) {
      return null;
    }
    T value = codec.decode(message);
    if (value == null) {
      throw new ProtocolException("codec " + codec.name() + " decoded a null on " + channel.uri()
          + "; a typed channel does not carry null (null from receive means a timeout)");
    }
    return value;
  }

  /** As {@link Channel#flush()}. */
  public void flush() throws IOException {
    channel.flush();
  }

  public Channel channel() {
    return channel;
  }

  public Codec<T> codec() {
    return codec;
  }

  public String uri() {
    return channel.uri();
  }

  public boolean isOpen() {
    return channel.isOpen();
  }

  /** Closes the channel. Idempotent. */
  @Override
  public void close() throws IOException {
    channel.close();
  }

  @Override
  public String toString() {
    return "TypedChannel[" + channel.uri() + ", " + codec.name() + "]";
  }
}
