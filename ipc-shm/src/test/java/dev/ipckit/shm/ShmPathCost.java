package dev.ipckit.shm;

import com.sun.management.ThreadMXBean;
import dev.ipckit.Channel;
import dev.ipckit.ChannelServer;
import dev.ipckit.Channels;
import dev.ipckit.MessageHandler;
import dev.ipckit.shm.internal.Queues;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ChronicleQueue;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.wire.DocumentContext;

/**
 * A dev tool, not a test: the CPU time and heap allocation per message of shm:'s send and poll
 * beside plain Chronicle Queue doing what {@code ./ipc bench}'s {@code chronicle} row does (one
 * document per message: a tag byte and the payload; the reader looks at the tag and byte 0 in
 * place), in one thread, so a loaded machine does not blur it the way it blurs the bench's
 * cross-process wall clock. Batches of sends (128 KiB of messages, as far as a shm: sender gets
 * ahead of its reader by default) alternate with batches of polls.
 *
 * <pre>
 * mvn -B -o -q -pl ipc-shm -am test-compile dependency:build-classpath -Dmdep.outputFile=/tmp/cp.txt
 * java $(chronicle.jvm.flags) -cp ipc-shm/target/test-classes:ipc-shm/target/classes:$(cat /tmp/cp.txt) \
 *     dev.ipckit.shm.ShmPathCost [messages per size] [rounds]
 * </pre>
 *
 * Prints, per size and round, ns of thread CPU per message sent and per message polled, and bytes
 * allocated per message, then the medians and shm:'s ratios to plain Chronicle.
 */
public final class ShmPathCost {
  private static final int[] SIZES = {64, 1024};
  /** Bytes of messages per batch: shm:'s default sendBuffer, as far as a sender gets ahead of its reader. */
  private static final int BATCH_BYTES = 128 << 10;
  private static final byte DATA = 0;
  private static final ThreadMXBean CPU = (ThreadMXBean) ManagementFactory.getThreadMXBean();

  private ShmPathCost() {}

  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    Path root = Files.createTempDirectory(Files.isDirectory(Path.of("/dev/shm")) ? Path.of("/dev/shm")
        : Path.of(System.getProperty("java.io.tmpdir")), "ipckit-pathcost-");
    try {
      System.out.printf("%-6s %6s %5s %12s %12s %14s%n", "target", "size", "round", "send ns/msg", "poll ns/msg",
          "alloc B/msg");
      for (int size : SIZES) {
        double[][] plain = new double[rounds][];
        double[][] shm = new double[rounds][];
        for (int r = 0; r < rounds; r++) { // interleaved, each first in every other round: drift hits both
          if (r % 2 == 0) {
            plain[r] = print("plain", size, r, plain(root, size, n));
          }
          shm[r] = print("shm", size, r, shm(root, size, n));
          if (r % 2 == 1) {
            plain[r] = print("plain", size, r, plain(root, size, n));
          }
        }
        double[] p = medians(plain);
        double[] s = medians(shm);
        System.out.printf(Locale.ROOT, "median %6d: plain send %.1f poll %.1f ns; shm send %.1f poll %.1f ns;"
            + " shm/plain send %.2fx poll %.2fx; shm allocates %.2f B/msg%n", size, p[0], p[1], s[0], s[1],
            s[0] / p[0], s[1] / p[1], s[2]);
      }
    } finally {
      Queues.deleteTree(root);
    }
  }

  /** {send ns, poll ns, allocated bytes} per message for plain Chronicle. */
  private static double[] plain(Path root, int size, int n) throws Exception {
    byte[] payload = payload(size);
    Path dir = Files.createTempDirectory(root, "plain");
    // a queue object each, as two processes have (shm:'s two ends map the file twice too)
    try (ChronicleQueue writing = ChronicleQueue.singleBuilder(dir).build();
         ChronicleQueue reading = ChronicleQueue.singleBuilder(dir).build();
         ExcerptAppender appender = writing.createAppender();
         ExcerptTailer tailer = reading.createTailer()) {
      int batch = BATCH_BYTES / size;
      Meter m = new Meter(batch);
      long sum = 0;
      for (int done = 0; done < n; done += batch) {
        m.startSend();
        for (int i = 0; i < batch; i++) {
          payload[0] = (byte) i;
          try (DocumentContext dc = appender.writingDocument()) {
            Bytes<?> b = dc.wire().bytes();
            b.writeByte(DATA);
            b.write(payload, 0, size);
          }
        }
        m.startPoll();
        for (int i = 0; i < batch; ) {
          try (DocumentContext dc = tailer.readingDocument()) {
            if (dc.isPresent()) {
              Bytes<?> b = dc.wire().bytes();
              if (b.readByte() == DATA) {
                sum += b.readByte(b.readPosition());
              }
              i++;
            }
          }
        }
        m.end();
      }
      return m.perMessage(n, sum);
    } finally {
      Queues.deleteTree(dir); // as shm: removes its files on close: the next run starts from the same free memory
    }
  }

  /** {send ns, poll ns, allocated bytes} per message for shm:, as the bench's IpckitLink uses it. */
  private static double[] shm(Path root, int size, int n) throws Exception {
    ByteBuffer payload = ByteBuffer.wrap(payload(size));
    Path dir = Files.createTempDirectory(root, "shm");
    try (ChannelServer server = Channels.listen("shm:" + dir + "?wait=busy&sendBuffer=16MiB"); // a batch fits
         Channel client = Channels.open(server.uri());
         Channel accepted = server.accept(Duration.ofSeconds(10))) {
      int batch = BATCH_BYTES / size;
      Meter m = new Meter(batch);
      long[] sum = {0};
      MessageHandler h = msg -> sum[0] += msg.get(msg.position());
      for (int done = 0; done < n; done += batch) {
        m.startSend();
        for (int i = 0; i < batch; i++) {
          payload.put(0, (byte) i);
          client.send(payload);
        }
        m.startPoll();
        for (int got = 0; got < batch; ) {
          got += accepted.poll(h, batch - got, Duration.ofSeconds(10));
        }
        m.end();
      }
      return m.perMessage(n, sum[0]);
    }
  }

  private static double[] print(String target, int size, int round, double[] r) {
    System.out.printf(Locale.ROOT, "%-6s %6d %5d %12.1f %12.1f %14.2f%n", target, size, round, r[0], r[1], r[2]);
    return r;
  }

  private static double[] medians(double[][] rows) {
    double[] out = new double[rows[0].length];
    for (int c = 0; c < out.length; c++) {
      int col = c;
      double[] v = Arrays.stream(rows).mapToDouble(r -> r[col]).sorted().toArray();
      out[c] = v[v.length / 2];
    }
    return out;
  }

  /** Sums this thread's CPU time in the send and poll halves of each batch, and its allocation. */
  private static final class Meter {
    private final long allocatedBefore = CPU.getCurrentThreadAllocatedBytes();
    private final int batch;
    private long sendNanos;
    private long pollNanos;
    private long mark;

    Meter(int batch) {
      this.batch = batch;
    }

    void startSend() {
      mark = CPU.getCurrentThreadCpuTime();
    }

    void startPoll() {
      long now = CPU.getCurrentThreadCpuTime();
      sendNanos += now - mark;
      mark = now;
    }

    void end() {
      pollNanos += CPU.getCurrentThreadCpuTime() - mark;
    }

    /** {@code sum} keeps the reads from being optimised away. */
    double[] perMessage(int n, long sum) {
      long allocated = CPU.getCurrentThreadAllocatedBytes() - allocatedBefore;
      int count = (n + batch - 1) / batch * batch;
      return new double[] {sendNanos / (double) count, pollNanos / (double) count,
          allocated / (double) count + (sum == 42 ? 1e-9 : 0)};
    }
  }

  /** The bench's payload: patterned bytes. */
  private static byte[] payload(int size) {
    byte[] b = new byte[size];
    for (int i = 0; i < size; i++) {
      b[i] = (byte) (i * 31);
    }
    return b;
  }
}
