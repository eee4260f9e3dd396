package dev.ipckit.codec;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;

/** Raw bytes, passed through unchanged: a message is a {@code byte[]}. */
public final class BytesCodec implements Codec<byte[]> {
  /** The one instance; it has no state. */
  public static final BytesCodec BYTES = new BytesCodec();

  private BytesCodec() {}

  @Override
  public String name() {
    return "bytes";
  }

  @Override
  public void encode(byte[] value, OutputStream out) throws IOException {
    if (value == null) {
      throw new CodecException(name(), "cannot encode null (use an empty array)");
    }
    out.write(value);
  }

  @Override
  public byte[] decode(ByteBuffer message) {
    byte[] bytes = new byte[message.remaining()];
    message.duplicate().get(bytes);
    return bytes;
  }

  @Override
  public String toString() {
    return "BytesCodec";
  }
}
