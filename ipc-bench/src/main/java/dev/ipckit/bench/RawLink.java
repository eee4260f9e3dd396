package dev.ipckit.bench;

import java.io.EOFException;
import java.io.IOException;
import java.io.Closeable;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.WritableByteChannel;

/**
 * The byte-stream baseline: blocking reads and writes (a JDK {@link SocketChannel}, Unix domain
 * or TCP, a socketpair end, a pipe) with the same frames as ipckit (4-byte big-endian length +
 * payload), written the way a careful hand-rolled sender would: frames are packed into a 64 KiB
 * buffer that is written when full ("batched writes"), and read in 256 KiB chunks (ipckit's
 * default receive buffer) that are parsed in place.
 */
final class RawLink implements BenchLink {
  static final int BATCH = 64 << 10;
  static final int READ = 256 << 10;
  private static final int HEADER = 4;

  private final ReadableByteChannel in;
  private final WritableByteChannel out;
  private final boolean direct;
  private final Closeable onClose;
  private ByteBuffer rbuf;
  private ByteBuffer rview;
  private ByteBuffer wbuf;
  private long checksum;

  /**
   * Reads from {@code in} and writes to {@code out}, both blocking, through direct buffers or heap
   * ones (for streams, whose reads copy into a Java array anyway); {@code onClose} closes them.
   */
  RawLink(ReadableByteChannel in, WritableByteChannel out, boolean direct, Closeable onClose) {
    this.in = in;
    this.out = out;
    this.direct = direct;
    this.onClose = onClose;
    rbuf = allocate(READ);
    rview = rbuf.duplicate();
    wbuf = allocate(BATCH);
  }

  /** A blocking socket channel. */
  static RawLink of(SocketChannel channel) throws IOException {
    channel.configureBlocking(true);
    return new RawLink(channel, channel, true, channel);
  }

  private ByteBuffer allocate(int capacity) {
    return direct ? ByteBuffer.allocateDirect(capacity) : ByteBuffer.allocate(capacity);
  }

  @Override
  public void sendFor(ByteBuffer payload, long nanos) throws IOException {
    int size = payload.remaining();
    ByteBuffer batch = allocate(Math.max(BATCH, HEADER + size));
    long end = System.nanoTime() + nanos;
    for (int i = 0; (i & 255) != 0 || System.nanoTime() - end < 0; i++) {
      if (batch.remaining() < HEADER + size) {
        writeFully(batch.flip());
        batch.clear();
      }
      payload.put(payload.position(), (byte) i);
      int p = batch.position();
      batch.putInt(p, size);
      batch.put(p + HEADER, payload, payload.position(), size);
      batch.position(p + HEADER + size);
    }
    if (batch.remaining() < HEADER) {
      writeFully(batch.flip());
      batch.clear();
    }
    batch.putInt(0); // the stop marker
    writeFully(batch.flip());
  }

  @Override
  public ThroughputResult receive(ThroughputMeter meter) throws IOException {
    ensureReadCapacity(meter.size());
    ByteBuffer b = rbuf.clear();
    long count = 0;
    long sum = 0;
    int rpos = 0;
    while (true) {
      if (in.read(b) < 0) {
        throw new EOFException("the sender closed before its stop marker");
      }
      int end = b.position();
      while (end - rpos >= HEADER) {
        int len = b.getInt(rpos);
        if (len == 0) {
          checksum += sum;
          return meter.finish(count, sum);
        }
        if (end - rpos < HEADER + len) {
          break;
        }
        sum += b.get(rpos + HEADER);
        count++;
        rpos += HEADER + len;
      }
      rpos = compact(b, rpos);
      meter.batch(count);
    }
  }

  @Override
  public void echo() throws IOException {
    ByteBuffer b = rbuf.clear();
    int rpos = 0;
    while (true) {
      if (in.read(b) < 0) {
        return;
      }
      int end = b.position();
      while (end - rpos >= HEADER) {
        int len = b.getInt(rpos);
        if (len == 0) {
          return;
        }
        ensureReadCapacity(len);
        b = rbuf;
        if (end - rpos < HEADER + len) {
          break;
        }
        rview.limit(rpos + HEADER + len).position(rpos);
        writeFully(rview);
        rpos += HEADER + len;
      }
      rpos = compact(b, rpos);
    }
  }

  @Override
  public void roundTrip(ByteBuffer payload) throws IOException {
    int size = payload.remaining();
    if (wbuf.capacity() < HEADER + size) {
      wbuf = allocate(HEADER + size);
      ensureReadCapacity(size);
    }
    ByteBuffer w = wbuf.clear();
    w.putInt(0, size).put(HEADER, payload, payload.position(), size).position(HEADER + size);
    writeFully(w.flip());
    ByteBuffer b = rbuf.clear();
    while (b.position() < HEADER || b.position() < HEADER + b.getInt(0)) {
      if (in.read(b) < 0) {
        throw new EOFException("the echoing peer closed");
      }
    }
    checksum += b.get(HEADER);
  }

  @Override
  public void sendEnd() throws IOException {
    writeFully(ByteBuffer.allocate(HEADER).putInt(0, 0));
  }

  @Override
  public long checksum() {
    return checksum;
  }

  @Override
  public void close() throws IOException {
    onClose.close();
  }

  private void writeFully(ByteBuffer b) throws IOException {
    while (b.hasRemaining()) {
      out.write(b);
    }
  }

  /** Drops the consumed bytes [0, rpos) and keeps the partial frame; returns the new rpos, 0. */
  private static int compact(ByteBuffer b, int rpos) {
    if (rpos > 0) {
      int keep = b.position() - rpos;
      if (keep > 0) {
        b.put(0, b, rpos, keep);
      }
      b.position(keep);
    }
    return 0;
  }

  /** Grows the read buffer (keeping its contents) so one frame of {@code size} fits whole. */
  private void ensureReadCapacity(int size) {
    if (rbuf.capacity() < HEADER + size) {
      ByteBuffer bigger = allocate(HEADER + size);
      bigger.put(rbuf.flip());
      rbuf = bigger;
      rview = rbuf.duplicate();
    }
  }
}
