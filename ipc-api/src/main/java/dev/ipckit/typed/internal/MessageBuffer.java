package dev.ipckit.typed.internal;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * A growable byte array that an envelope and a codec write into, reused by each thread so that
 * sending a message allocates nothing once the buffer has grown to fit. This is safe because
 * {@code Channel.send} copies or writes the bytes before it returns.
 */
public final class MessageBuffer extends OutputStream {
  private static final int INITIAL = 4096;
  /** Larger buffers are dropped after use, so an occasional big message does not pin memory per thread. */
  private static final int RETAINED = 64 << 10;
  private static final int MAX = Integer.MAX_VALUE - 16;
  private static final ThreadLocal<MessageBuffer> PER_THREAD = ThreadLocal.withInitial(MessageBuffer::new);

  private byte[] bytes = new byte[INITIAL];
  private int count;
  private boolean inUse;

  private MessageBuffer() {}

  /** This thread's buffer, emptied; a fresh one if a codec re-entered while it is in use. */
  public static MessageBuffer acquire() {
    MessageBuffer b = PER_THREAD.get();
    if (b.inUse) {
      b = new MessageBuffer();
    }
    b.inUse = true;
    b.count = 0;
    return b;
  }

  /** Gives the buffer back to its thread; views taken from it are invalid afterwards. */
  public void release() {
    inUse = false;
    count = 0;
    if (bytes.length > RETAINED) {
      bytes = new byte[INITIAL];
    }
  }

  @Override
  public void write(int b) throws IOException {
    ensure(1);
    bytes[count++] = (byte) b;
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    ensure(len);
    System.arraycopy(b, off, bytes, count, len);
    count += len;
  }

  public void writeShort(int v) throws IOException {
    ensure(2);
    bytes[count++] = (byte) (v >>> 8);
    bytes[count++] = (byte) v;
  }

  public void writeLong(long v) throws IOException {
    ensure(8);
    for (int shift = 56; shift >= 0; shift -= 8) {
      bytes[count++] = (byte) (v >>> shift);
    }
  }

  /** The bytes written so far. */
  public ByteBuffer view() {
    return ByteBuffer.wrap(bytes, 0, count);
  }

  public int size() {
    return count;
  }

  private void ensure(int more) throws IOException {
    if (more > bytes.length - count) {
      if (more > MAX - count) {
        throw new IOException("message larger than " + MAX + " bytes");
      }
      int wanted = (int) Math.min(MAX, Math.max((long) count + more, bytes.length * 2L));
      bytes = Arrays.copyOf(bytes, wanted);
    }
  }
}
