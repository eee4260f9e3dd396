package dev.ipckit.shm;

import dev.ipckit.Channel;
import dev.ipckit.ChannelServer;
import dev.ipckit.Channels;
import dev.ipckit.MessageHandler;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ChronicleQueue;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.ExcerptTailer;

/**
 * A dev tool, not a test: shm: beside a plain Chronicle Queue appender/tailer ({@code writeBytes}/
 * {@code readBytes}) in the same run, each row between this JVM and a child JVM. Prints one-way
 * throughput (the child sends, this JVM receives) and round-trip latency (this JVM sends, the child
 * echoes) for 64 B and 1 KiB. Until {@code ./ipc bench} has its chronicle and shm rows this is how
 * the shm: send/receive path is measured. Run it with the test class path and Chronicle's flags:
 *
 * <pre>
 * mvn -B -o -q -pl ipc-shm -am test-compile dependency:build-classpath -Dmdep.outputFile=/tmp/cp.txt
 * java $(chronicle.jvm.flags) -cp ipc-shm/target/test-classes:ipc-shm/target/classes:...:$(cat /tmp/cp.txt) \
 *     dev.ipckit.shm.ShmPerfProbe [seconds per row]
 * </pre>
 */
public final class ShmPerfProbe {
  private static final int[] SIZES = {64, 1024};
  private static final int ROUND_TRIPS = 20_000;

  private ShmPerfProbe() {}

  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("child")) {
      child(args[1], args[2], args[3], Integer.parseInt(args[4]), Long.parseLong(args[5]));
      return;
    }
    if (args.length > 0 && args[0].equals("path")) {
      path(args.length > 1 ? Integer.parseInt(args[1]) : 2_000_000);
      return;
    }
    double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 3;
    List<String> targets = args.length > 1 ? List.of(args[1].split(",")) : List.of("plain", "shm-busy", "shm");
    Path root = Files.createTempDirectory(Files.isDirectory(Path.of("/dev/shm")) ? Path.of("/dev/shm")
        : Path.of(System.getProperty("java.io.tmpdir")), "ipckit-probe-");
    try {
      System.out.printf("%-9s %6s %14s %10s %10s %10s%n", "target", "size", "msgs/s", "rtt p50", "rtt p99",
          "rtt p99.9");
      for (int size : SIZES) {
        for (String target : targets) {
          double rate = throughput(target, root, size, (long) (seconds * 1e9));
          long[] rtt = latency(target, root, size);
          System.out.printf("%-9s %6d %14.0f %8.2fus %8.2fus %8.2fus%n", target, size, rate,
              percentile(rtt, 0.50) / 1e3, percentile(rtt, 0.99) / 1e3, percentile(rtt, 0.999) / 1e3);
        }
      }
    } finally {
      dev.ipckit.shm.internal.Queues.deleteTree(root);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // the cost of each side's path, in one thread: CPU time, so a loaded machine does not blur it

  /** Writes {@code n} messages, then reads them, a few times; prints CPU ns per message of each. */
  private static void path(int n) throws Exception {
    Path root = Files.createTempDirectory(Files.isDirectory(Path.of("/dev/shm")) ? Path.of("/dev/shm")
        : Path.of(System.getProperty("java.io.tmpdir")), "ipckit-probe-");
    var cpu = java.lang.management.ManagementFactory.getThreadMXBean();
    try {
      System.out.printf("%-9s %6s %12s %12s%n", "target", "size", "send ns/msg", "poll ns/msg");
      for (int size : SIZES) {
        for (int round = 0; round < 3; round++) {
          byte[] payload = new byte[size];
          Path dir = Files.createTempDirectory(root, "plain");
          var builder = ChronicleQueue.singleBuilder(dir);
          if (Long.getLong("probe.block") != null) {
            builder.blockSize(Long.getLong("probe.block"));
          }
          try (ChronicleQueue q = builder.build();
               ExcerptAppender appender = q.createAppender();
               ExcerptTailer tailer = q.createTailer()) {
            Bytes<?> msg = Bytes.allocateElasticDirect(size);
            long t0 = cpu.getCurrentThreadCpuTime();
            for (int i = 0; i < n; i++) {
              payload[0] = (byte) i;
              msg.clear().write(payload);
              appender.writeBytes(msg);
            }
            long t1 = cpu.getCurrentThreadCpuTime();
            long sum = 0;
            for (int i = 0; i < n; i++) {
              msg.clear();
              if (!tailer.readBytes(msg)) {
                throw new IllegalStateException("message " + i + " missing");
              }
              sum += msg.readByte(0);
            }
            long t2 = cpu.getCurrentThreadCpuTime();
            msg.releaseLast();
            System.out.printf("%-9s %6d %12.1f %12.1f%s%n", "plain", size, (t1 - t0) / (double) n,
                (t2 - t1) / (double) n, sum == 42 ? " " : "");
          }
                    dir = Files.createTempDirectory(root, "shm");
          try (ChannelServer server = Channels.listen("shm:" + dir + "?sendBuffer=1GiB");
               Channel client = Channels.open(server.uri());
               Channel accepted = server.accept(Duration.ofSeconds(10))) {
            ByteBuffer msg = ByteBuffer.wrap(payload);
            long t0 = cpu.getCurrentThreadCpuTime();
            for (int i = 0; i < n; i++) {
              payload[0] = (byte) i;
              client.send(msg);
            }
            long t1 = cpu.getCurrentThreadCpuTime();
            long[] sum = {0};
            MessageHandler h = m -> sum[0] += m.get(m.position());
            for (int got = 0; got < n; ) {
              got += accepted.poll(h, n - got, Duration.ofSeconds(10));
            }
            long t2 = cpu.getCurrentThreadCpuTime();
            System.out.printf("%-9s %6d %12.1f %12.1f%s%n", "shm", size, (t1 - t0) / (double) n,
                (t2 - t1) / (double) n, sum[0] == 42 ? " " : "");
          }
        }
      }
    } finally {
      dev.ipckit.shm.internal.Queues.deleteTree(root);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // this JVM's side

  /** Messages per second this JVM receives from a child that sends as fast as it can. */
  private static double throughput(String target, Path root, int size, long nanos) throws Exception {
    Path dir = Files.createTempDirectory(root, target);
    long sendFor = nanos + 2_000_000_000L; // one second of warm-up, and a tail the window never sees
    if (target.equals("plain")) {
      try (ChronicleQueue q = ChronicleQueue.singleBuilder(dir.resolve("c2p")).build();
           ExcerptTailer tailer = q.createTailer()) {
        Process p = startChild(target, "send", dir.toString(), size, sendFor);
        Bytes<?> in = Bytes.allocateElasticDirect(size);
        Meter meter = new Meter(nanos);
        while (!meter.done) {
          in.clear();
          if (tailer.readBytes(in)) {
            meter.add(in.readByte(0));
          }
        }
        in.releaseLast();
        p.destroyForcibly().waitFor();
        return meter.rate();
      }
    }
    try (ChannelServer server = Channels.listen(shmUri(dir, target))) {
      Process p = startChild(target, "send", server.uri(), size, sendFor);
      try (Channel ch = server.accept(Duration.ofSeconds(30))) {
        Meter meter = new Meter(nanos);
        MessageHandler h = m -> meter.add(m.get(m.position()));
        while (!meter.done) {
          ch.poll(h, Integer.MAX_VALUE, Duration.ofSeconds(10));
        }
        p.destroyForcibly().waitFor();
        return meter.rate();
      }
    }
  }

  /** Round trips to a child that echoes: nanoseconds each, after a warm-up of the same number. */
  private static long[] latency(String target, Path root, int size) throws Exception {
    Path dir = Files.createTempDirectory(root, target);
    long[] rtt = new long[ROUND_TRIPS];
    byte[] payload = new byte[size];
    if (target.equals("plain")) {
      try (ChronicleQueue out = ChronicleQueue.singleBuilder(dir.resolve("p2c")).build();
           ChronicleQueue back = ChronicleQueue.singleBuilder(dir.resolve("c2p")).build();
           ExcerptAppender appender = out.createAppender();
           ExcerptTailer tailer = back.createTailer()) {
        Process p = startChild(target, "echo", dir.toString(), size, 0);
        Bytes<?> msg = Bytes.allocateElasticDirect(size);
        Bytes<?> in = Bytes.allocateElasticDirect(size);
        for (int i = -ROUND_TRIPS; i < ROUND_TRIPS; i++) {
          long t0 = System.nanoTime();
          msg.clear().write(payload);
          appender.writeBytes(msg);
          in.clear();
          while (!tailer.readBytes(in)) {
            Thread.onSpinWait();
          }
          if (i >= 0) {
            rtt[i] = System.nanoTime() - t0;
          }
        }
        msg.clear().writeByte((byte) 0);
        appender.writeBytes(msg); // a message of one byte ends the echo
        p.waitFor();
        msg.releaseLast();
        in.releaseLast();
      }
    } else {
      try (ChannelServer server = Channels.listen(shmUri(dir, target))) {
        Process p = startChild(target, "echo", server.uri(), size, 0);
        try (Channel ch = server.accept(Duration.ofSeconds(30))) {
          ByteBuffer msg = ByteBuffer.wrap(payload);
          MessageHandler ignore = m -> { };
          for (int i = -ROUND_TRIPS; i < ROUND_TRIPS; i++) {
            long t0 = System.nanoTime();
            ch.send(msg);
            if (ch.poll(ignore, 1, Duration.ofSeconds(10)) != 1) {
              throw new IllegalStateException("no echo");
            }
            if (i >= 0) {
              rtt[i] = System.nanoTime() - t0;
            }
          }
          ch.send(ByteBuffer.allocate(0));
          p.waitFor();
        }
      }
    }
    Arrays.sort(rtt);
    return rtt;
  }

  private static String shmUri(Path dir, String target) {
    return "shm:" + dir + (target.equals("shm-busy") ? "?wait=busy" : "");
  }

  private static Process startChild(String target, String role, String address, int size, long sendFor)
      throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx256m");
    cmd.addAll(ShmTestSupport.childJvmFlags());
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), ShmPerfProbe.class.getName(), "child",
        target, role, address, String.valueOf(size), String.valueOf(sendFor)));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    Thread t = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream()))) {
        for (String line; (line = r.readLine()) != null; ) {
          if (!line.startsWith("SLF4J")) {
            System.err.println("  child: " + line);
          }
        }
      } catch (Exception e) {
        // the child is gone
      }
    });
    t.setDaemon(true);
    t.start();
    return p;
  }

  private static long percentile(long[] sorted, double p) {
    return sorted[(int) Math.min(sorted.length - 1, Math.round(p * sorted.length))];
  }

  /** Counts messages in a window that starts after a second of warm-up. */
  private static final class Meter {
    private final long windowNanos;
    private final long warm = System.nanoTime() + 1_000_000_000L;
    private long count;
    private long sum;
    private long fromCount = -1;
    private long fromNanos;
    private long windowCount;
    private long measuredNanos;
    boolean done;

    Meter(long windowNanos) {
      this.windowNanos = windowNanos;
    }

    void add(byte b) {
      sum += b; // touch the payload, as a receiver would
      if ((++count & 1023) == 0) {
        long now = System.nanoTime();
        if (fromCount < 0 && now - warm >= 0) {
          fromCount = count;
          fromNanos = now;
        } else if (fromCount >= 0 && now - fromNanos >= windowNanos) {
          windowCount = count - fromCount;
          measuredNanos = now - fromNanos;
          done = true;
        }
      }
    }

    double rate() {
      return windowCount * 1e9 / measuredNanos;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // the child's side

  private static void child(String target, String role, String address, int size, long sendFor) throws Exception {
    byte[] payload = new byte[size];
    if (target.equals("plain")) {
      Path dir = Path.of(address);
      if (role.equals("send")) {
        try (ChronicleQueue q = ChronicleQueue.singleBuilder(dir.resolve("c2p")).build();
             ExcerptAppender appender = q.createAppender()) {
          Bytes<?> msg = Bytes.allocateElasticDirect(size);
          long end = System.nanoTime() + sendFor;
          for (int i = 0; (i & 255) != 0 || System.nanoTime() - end < 0; i++) {
            payload[0] = (byte) i;
            msg.clear().write(payload);
            appender.writeBytes(msg);
          }
        }
        return;
      }
      try (ChronicleQueue in = ChronicleQueue.singleBuilder(dir.resolve("p2c")).build();
           ChronicleQueue out = ChronicleQueue.singleBuilder(dir.resolve("c2p")).build();
           ExcerptTailer tailer = in.createTailer();
           ExcerptAppender appender = out.createAppender()) {
        Bytes<?> m = Bytes.allocateElasticDirect(size);
        while (true) {
          m.clear();
          if (!tailer.readBytes(m)) {
            Thread.onSpinWait();
            continue;
          }
          if (m.readRemaining() == 1) {
            return;
          }
          appender.writeBytes(m);
        }
      }
    }
    try (Channel ch = Channels.open(address)) {
      if (role.equals("send")) {
        ByteBuffer msg = ByteBuffer.wrap(payload);
        long end = System.nanoTime() + sendFor;
        for (int i = 0; (i & 255) != 0 || System.nanoTime() - end < 0; i++) {
          payload[0] = (byte) i;
          ch.send(msg);
        }
        return;
      }
      boolean[] done = {false};
      MessageHandler echo = m -> {
        if (!m.hasRemaining()) {
          done[0] = true;
        } else {
          try {
            ch.send(m);
          } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        }
      };
      while (!done[0]) {
        ch.poll(echo, Integer.MAX_VALUE, Duration.ofSeconds(30));
      }
    }
  }
}
