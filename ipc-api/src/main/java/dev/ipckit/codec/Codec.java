package dev.ipckit.codec;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;

/**
 * Turns values into message bytes and back: what the typed layer ({@code dev.ipckit.typed}) puts
 * on a {@link dev.ipckit.Channel}.
 *
 * <p>Ready-made codecs: {@link BytesCodec#BYTES} (raw bytes), {@link StringCodec#UTF_8},
 * {@link JsonCodec} (Jackson, for interop) and {@link KryoCodec} (compact, Java to Java, with
 * class registration required). Jackson and Kryo are optional dependencies of ipc-api: add the
 * one you use to your build.
 *
 * <p><b>Threading.</b> Implementations must be safe for use by any number of threads at once;
 * a channel encodes on every sending thread and decodes on its reading thread.
 *
 * <p><b>Errors.</b> A value that cannot be encoded, or bytes that cannot be decoded, give a
 * {@link CodecException} naming the codec and what failed; nothing is half-written to a channel.
 *
 * @param <T> the type of value carried
 */
public interface Codec<T> {

  /** A short name for error messages, e.g. {@code "kryo"} or {@code "json(Order)"}. */
  String name();

  /**
   * Appends the encoding of {@code value} to {@code out}. The typed layer passes a reusable
   * in-memory stream, so writing in small pieces is cheap.
   *
   * @throws CodecException the value cannot be encoded by this codec
   * @throws IOException {@code out} failed
   */
  void encode(T value, OutputStream out) throws IOException;

  /**
   * Decodes the remaining bytes of {@code message}, all of them: trailing bytes are an error.
   * The buffer may be a read-only view valid only during this call, so implementations copy what
   * they keep and never retain the buffer. Its position is left unspecified.
   *
   * @throws CodecException the bytes are not a valid encoding
   */
  T decode(ByteBuffer message) throws CodecException;

  /** Encodes {@code value} into a new heap buffer; a convenience for code outside a channel. */
  default ByteBuffer encode(T value) throws CodecException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      encode(value, out);
    } catch (CodecException e) {
      throw e;
    } catch (IOException e) {
      // ByteArrayOutputStream never fails; an IOException here came from the codec itself
      throw new UncheckedIOException(e);
    }
    return ByteBuffer.wrap(out.toByteArray());
  }
}
