package dev.ipckit.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;

/**
 * A Process's streams as byte channels over heap buffers, reading and writing their arrays
 * directly: {@code java.nio.channels.Channels.newChannel} would copy through 8 KiB chunks, a cost
 * the raw-pipe baseline should not pay.
 */
final class StreamChannels {
  private StreamChannels() {}

  static ReadableByteChannel reading(InputStream in) {
    return new ReadableByteChannel() {
      private boolean open = true;

      @Override
      public int read(ByteBuffer b) throws IOException {
        int n = in.read(b.array(), b.arrayOffset() + b.position(), b.remaining());
        if (n > 0) {
          b.position(b.position() + n);
        }
        return n;
      }

      @Override
      public boolean isOpen() {
        return open;
      }

      @Override
      public void close() throws IOException {
        open = false;
        in.close();
      }
    };
  }

  static WritableByteChannel writing(OutputStream out) {
    return new WritableByteChannel() {
      private boolean open = true;

      @Override
      public int write(ByteBuffer b) throws IOException {
        int n = b.remaining();
        out.write(b.array(), b.arrayOffset() + b.position(), n);
        out.flush();
        b.position(b.limit());
        return n;
      }

      @Override
      public boolean isOpen() {
        return open;
      }

      @Override
      public void close() throws IOException {
        open = false;
        out.close();
      }
    };
  }
}
