package dev.ipckit.stream;

import dev.ipckit.Capabilities;
import dev.ipckit.ChannelOptions;
import dev.ipckit.MessageHandler;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;

/**
 * A development tool, not a test: the CPU time each side of {@link FramedChannel} spends per
 * message, in one thread, beside a hand-written loop doing the same framing over the same buffers
 * (the bench's raw baseline). The link does no system call (a read copies a prepared block of
 * frames, a write consumes its bytes), so what is left is the engine's own work, which a loaded
 * machine does not blur the way it blurs two-process throughput.
 *
 * <pre>
 * mvn -q -o -pl ipc-api test-compile &amp;&amp; java -cp ipc-api/target/classes:ipc-api/target/test-classes \
 *   dev.ipckit.stream.StreamPathCost [size]
 * </pre>
 */
public final class StreamPathCost {
  private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();
  private static final int MESSAGES = 4_000_000;

  public static void main(String[] args) throws IOException {
    int size = args.length > 0 ? Integer.parseInt(args[0]) : 64;
    ByteBuffer payload = ByteBuffer.allocate(size);
    ChannelOptions options = ChannelOptions.defaults();
    ByteBuffer block = frames(size, options.receiveBuffer());
    int perBlock = block.remaining() / (4 + size);
    double[] raw = new double[9];
    double[] recv = new double[9];
    double[] rawSend = new double[9];
    double[] send = new double[9];
    for (int round = 0; round < raw.length; round++) {
      raw[round] = rawReceive(block, size);
      recv[round] = receive(block, perBlock, options);
      rawSend[round] = rawSend(payload);
      send[round] = send(payload, options);
    }
    System.out.printf("%d B: receive %.1f ns/msg (raw loop %.1f), send %.1f ns/msg (raw loop %.1f)%n", size,
        median(recv), median(raw), median(send), median(rawSend));
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s[s.length / 2];
  }

  /** As many whole frames of {@code size} as fit in {@code capacity}, in read mode. */
  private static ByteBuffer frames(int size, int capacity) {
    ByteBuffer b = ByteBuffer.allocateDirect(capacity);
    while (b.remaining() >= 4 + size) {
      b.putInt(size).position(b.position() + size);
    }
    return b.flip();
  }

  private static double receive(ByteBuffer block, int perBlock, ChannelOptions options) throws IOException {
    BlockLink link = new BlockLink(block);
    FramedChannel c = new FramedChannel("cost:", link, options, Capabilities.of(), options.maxMessage(),
        Optional.empty());
    long[] count = new long[1];
    MessageHandler h = m -> count[0] += m.get(m.position()) + 1;
    long t0 = CPU.getCurrentThreadCpuTime();
    while (count[0] < MESSAGES) {
      c.poll(h, Integer.MAX_VALUE, Duration.ofSeconds(1));
    }
    long t = CPU.getCurrentThreadCpuTime() - t0;
    c.close();
    return (double) t / count[0];
  }

  private static double rawReceive(ByteBuffer block, int size) {
    ByteBuffer b = ByteBuffer.allocateDirect(block.capacity());
    long count = 0;
    long sum = 0;
    long t0 = CPU.getCurrentThreadCpuTime();
    while (count < MESSAGES) {
      b.clear();
      b.put(block.duplicate());
      int end = b.position();
      int rpos = 0;
      while (end - rpos >= 4) {
        int len = b.getInt(rpos);
        if (end - rpos < 4 + len) {
          break;
        }
        sum += b.get(rpos + 4);
        count++;
        rpos += 4 + len;
      }
    }
    long t = CPU.getCurrentThreadCpuTime() - t0;
    return (double) t / count + (sum & 0); // sum kept live
  }

  private static double send(ByteBuffer payload, ChannelOptions options) throws IOException {
    FramedChannel c = new FramedChannel("cost:", new SinkLink(), options, Capabilities.of(), options.maxMessage(),
        Optional.empty());
    long t0 = CPU.getCurrentThreadCpuTime();
    for (int i = 0; i < MESSAGES; i++) {
      payload.put(0, (byte) i);
      c.send(payload);
    }
    long t = CPU.getCurrentThreadCpuTime() - t0;
    c.close();
    return (double) t / MESSAGES;
  }

  private static double rawSend(ByteBuffer payload) {
    int size = payload.remaining();
    ByteBuffer batch = ByteBuffer.allocateDirect(64 << 10);
    SinkLink sink = new SinkLink();
    ByteBuffer[] one = {batch};
    long t0 = CPU.getCurrentThreadCpuTime();
    for (int i = 0; i < MESSAGES; i++) {
      if (batch.remaining() < 4 + size) {
        batch.flip();
        sink.write(one, 0);
        batch.clear();
      }
      payload.put(0, (byte) i);
      int p = batch.position();
      batch.putInt(p, size);
      batch.put(p + 4, payload, 0, size);
      batch.position(p + 4 + size);
    }
    long t = CPU.getCurrentThreadCpuTime() - t0;
    return (double) t / MESSAGES;
  }

  /** Reads the same block of whole frames over and over: an endless stream with no system call. */
  private static final class BlockLink implements StreamLink {
    private final ByteBuffer block;
    private int offset;

    BlockLink(ByteBuffer block) {
      this.block = block;
    }

    @Override
    public int read(ByteBuffer dst, long timeoutNanos) {
      int n = Math.min(dst.remaining(), block.limit() - offset);
      dst.put(dst.position(), block, offset, n);
      dst.position(dst.position() + n);
      offset = (offset + n) % block.limit();
      return n;
    }

    @Override
    public boolean awaitReadable(long timeoutNanos) {
      return true;
    }

    @Override
    public long write(ByteBuffer[] srcs, long timeoutNanos) {
      return 0;
    }

    @Override
    public void shutdownOutput() {}

    @Override
    public void close() {}
  }

  /** Takes every byte at once. */
  private static final class SinkLink implements StreamLink {
    @Override
    public int read(ByteBuffer dst, long timeoutNanos) {
      return 0;
    }

    @Override
    public boolean awaitReadable(long timeoutNanos) {
      return false;
    }

    @Override
    public long write(ByteBuffer[] srcs, long timeoutNanos) {
      long n = 0;
      for (ByteBuffer b : srcs) {
        n += b.remaining();
        b.position(b.limit());
      }
      return n;
    }

    @Override
    public void shutdownOutput() {}

    @Override
    public void close() {}
  }
}
