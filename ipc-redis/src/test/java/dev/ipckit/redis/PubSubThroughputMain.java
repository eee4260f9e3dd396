package dev.ipckit.redis;

import dev.ipckit.Channel;
import dev.ipckit.ChannelServer;
import dev.ipckit.Channels;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import redis.clients.jedis.BinaryJedisPubSub;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;

/**
 * CPU per message of redis:// pub/sub beside plain Jedis (not a test; not run by the build):
 * {@code PubSubThroughputMain [size] [messages] [rounds] [jedis|ipckit]}. Starts its own redis-server, then
 * alternates plain Jedis (pipelined PUBLISH, a sync per 1,024; a subscriber thread handing each
 * message to a reader through a queue, as the bench's {@code jedis} row) and an ipckit
 * {@code ?server=} pair, both in this JVM. Prints wall-clock msgs/s, this process's CPU per
 * message by thread, and redis-server's. On a loaded machine CPU per message is the number to
 * compare; wall-clock only from interleaved rounds.
 */
public final class PubSubThroughputMain {
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  private PubSubThroughputMain() {}

  public static void main(String[] args) throws Exception {
    int size = args.length > 0 ? Integer.parseInt(args[0]) : 64;
    int n = args.length > 1 ? Integer.parseInt(args[1]) : 300_000;
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
    String only = args.length > 3 ? args[3] : "";
    try (LocalRedis redis = LocalRedis.startNew()) {
      long redisPid;
      try (Jedis j = new Jedis(URI.create(redis.uri()))) {
        j.configSet("client-output-buffer-limit", "pubsub 0 0 0");
        String info = j.info("server");
        redisPid = Long.parseLong(info.replaceAll("(?s).*process_id:(\\d+).*", "$1"));
      }
      for (int r = 0; r < rounds; r++) {
        if (!only.equals("ipckit")) {
          measure("jedis ", size, n, redisPid, done -> jedis(redis.uri(), size, n, done));
        }
        if (!only.equals("jedis")) {
          measure("ipckit", size, n, redisPid, done -> ipckit(redis.uri(), size, n, done));
        }
      }
    }
  }

  private interface Run {
    /** Calls {@code done} when the last message arrived, before closing anything. */
    void run(Runnable done) throws Exception;
  }

  /** CPU time of threads of the run that ended before the run did. */
  private static final Map<String, Long> EXITED = new java.util.concurrent.ConcurrentHashMap<>();

  private static void exiting() {
    EXITED.merge(Thread.currentThread().getName(), THREADS.getCurrentThreadCpuTime(), Long::sum);
  }

  private static void measure(String what, int size, int n, long redisPid, Run run) throws Exception {
    System.gc();
    EXITED.clear();
    Map<String, Long> before = threadCpu();
    long cpu0 = processCpu();
    long redis0 = redisCpu(redisPid);
    long t0 = System.nanoTime();
    long[] end = new long[3];
    Map<String, Long> after = new TreeMap<>();
    run.run(() -> {
      end[0] = System.nanoTime() - t0;
      end[1] = processCpu() - cpu0;
      try {
        end[2] = redisCpu(redisPid) - redis0;
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
      after.putAll(threadCpu());
      EXITED.forEach((k, v) -> after.merge(k, v, Long::sum));
    });
    long wall = end[0];
    long cpu = end[1];
    long redisCpu = end[2];
    StringBuilder threads = new StringBuilder();
    long[] named = new long[1];
    after.forEach((name, t) -> {
      long d = t - before.getOrDefault(name, 0L);
      named[0] += d;
      if (d * 100 > cpu) {
        threads.append(String.format(" %s=%.2f", name, (double) d / n / 1000));
      }
    });
    threads.append(String.format(" gc+jit+other=%.2f", (double) (cpu - named[0]) / n / 1000));
    System.out.printf("%s %5d B: %,9.0f msgs/s  cpu %.2f us/msg (redis-server %.2f)%s%n", what, size,
        n / (wall / 1e9), (double) cpu / n / 1000, (double) redisCpu / n / 1000, threads);
  }

  private static void jedis(String uri, int size, int n, Runnable done) throws Exception {
    byte[] channel = ("jedis-" + System.nanoTime()).getBytes(StandardCharsets.UTF_8);
    LinkedBlockingQueue<byte[]> inbox = new LinkedBlockingQueue<>();
    CountDownLatch ready = new CountDownLatch(1);
    BinaryJedisPubSub sub = new BinaryJedisPubSub() {
      @Override
      public void onSubscribe(byte[] c, int count) {
        ready.countDown();
      }

      @Override
      public void onMessage(byte[] c, byte[] message) {
        inbox.add(message);
      }
    };
    try (Jedis subscriber = new Jedis(URI.create(uri)); Jedis publisher = new Jedis(URI.create(uri))) {
      Thread subThread = new Thread(() -> subscriber.subscribe(sub, channel), "sub");
      subThread.start();
      ready.await(10, TimeUnit.SECONDS);
      Thread send = new Thread(() -> {
        byte[] m = new byte[size];
        Pipeline p = publisher.pipelined();
        for (int i = 1; i <= n; i++) {
          m[0] = (byte) i;
          p.publish(channel, m);
          if ((i & 1023) == 0) {
            p.sync();
          }
        }
        p.sync();
        exiting();
      }, "send");
      send.start();
      List<byte[]> batch = new ArrayList<>();
      long sum = 0;
      for (int got = 0; got < n; ) {
        byte[] first = inbox.poll(10, TimeUnit.SECONDS);
        if (first == null) {
          throw new IllegalStateException("jedis stalled after " + got);
        }
        batch.add(first);
        inbox.drainTo(batch);
        for (byte[] m : batch) {
          sum += m[0];
        }
        got += batch.size();
        batch.clear();
      }
      send.join();
      done.run();
      sub.unsubscribe();
      subThread.join();
      if (sum == 42) {
        System.out.print("");
      }
    }
  }

  private static void ipckit(String uri, int size, int n, Runnable done) throws Exception {
    String u = uri + "?server=ipckit-" + System.nanoTime();
    try (ChannelServer server = Channels.listen(u); Channel client = Channels.open(u)) {
      Channel in = server.accept(Duration.ofSeconds(10));
      Exception[] failed = new Exception[1];
      Thread send = new Thread(() -> {
        try {
          ByteBuffer m = ByteBuffer.allocate(size);
          for (int i = 1; i <= n; i++) {
            m.put(0, (byte) i);
            client.send(m);
          }
          client.flush();
        } catch (Exception e) {
          failed[0] = e;
        }
        exiting();
      }, "send");
      send.start();
      long[] sum = new long[1];
      for (int got = 0; got < n; ) {
        int k = in.poll(m -> sum[0] += m.get(m.position()), Integer.MAX_VALUE, Duration.ofSeconds(10));
        if (k == 0) {
          throw new IllegalStateException("ipckit stalled after " + got + ": " + failed[0]);
        }
        got += k;
      }
      send.join();
      done.run();
      in.close();
    }
  }

  private static long processCpu() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  /** CPU time by thread name, the numbered ones (GC, compiler) folded together. */
  private static Map<String, Long> threadCpu() {
    Map<String, Long> m = new TreeMap<>();
    for (var info : THREADS.getThreadInfo(THREADS.getAllThreadIds())) {
      if (info != null) {
        long t = THREADS.getThreadCpuTime(info.getThreadId());
        String name = info.getThreadName().replaceAll("[-# ]?[0-9a-f:]*$", "");
        name = name.startsWith("ipckit-redis-sub-server") ? "sub-server"
            : name.startsWith("ipckit-redis-pub-server") ? "pub-server"
            : name.startsWith("ipckit-redis-sub") ? "sub-client"
            : name.startsWith("ipckit-redis-pub") ? "pub-client" : name;
        m.merge(name, Math.max(t, 0), Long::sum);
      }
    }
    return m;
  }

  private static long redisCpu(long pid) throws Exception {
    String[] f = Files.readString(Path.of("/proc/" + pid + "/stat")).replaceAll(".*\\) ", "").split(" ");
    long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
    return ticks * 10_000_000L; // USER_HZ 100
  }
}
