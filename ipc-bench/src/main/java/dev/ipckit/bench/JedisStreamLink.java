package dev.ipckit.bench;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Protocol.Command;
import redis.clients.jedis.Response;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * The plain Jedis baseline of a Redis stream pair: one connection writes (pipelined
 * {@code XADD key * d payload}, a sync every 1,024 messages or 4 MiB, as ipckit's writer batches;
 * each sync also asks XLEN and the writer waits while the reader is more than about 8 MiB behind, as
 * ipckit's send window does), another reads in the receiving thread ({@code XREADGROUP COUNT 512},
 * then one pipelined {@code XACK} of the batch and {@code XTRIM MINID ~} to what it read, as ipckit
 * acknowledges and trims). Two streams: {@code NAME-up} (peer to parent) and {@code NAME-down}, each
 * read by group {@code g}. An empty payload is the stop or end marker.
 */
final class JedisStreamLink implements BenchLink {
  private static final int BATCH = 1024;
  private static final long BATCH_BYTES = 4L << 20;
  private static final long WINDOW_BYTES = 8L << 20;
  private static final int COUNT = 512;
  private static final long WAIT_NANOS = 15_000_000_000L;
  private static final byte[] GROUP = {'g'};
  private static final byte[] CONSUMER = {'c'};
  private static final byte[] FIELD = {'d'};
  private static final byte[] NEW = {'>'};
  private static final byte[] AUTO_ID = {'*'};

  private final Jedis writer;
  private final Jedis reader;
  private final byte[] out;
  private final byte[] in;
  private final List<byte[]> batch = new ArrayList<>();
  private long checksum;

  private JedisStreamLink(String uri, String in, String out) throws IOException {
    this.out = out.getBytes(StandardCharsets.UTF_8);
    this.in = in.getBytes(StandardCharsets.UTF_8);
    writer = new Jedis(URI.create(uri));
    reader = new Jedis(URI.create(uri));
    try {
      reader.sendCommand(Command.XGROUP, bytes("CREATE"), this.in, GROUP, bytes("0"), bytes("MKSTREAM"));
    } catch (JedisDataException e) {
      if (!String.valueOf(e.getMessage()).startsWith("BUSYGROUP")) {
        close();
        throw new IOException("XGROUP CREATE " + in + ": " + e.getMessage(), e);
      }
    }
  }

  static JedisStreamLink parent(String uri, String name) throws IOException {
    return new JedisStreamLink(uri, name + "-up", name + "-down");
  }

  static JedisStreamLink peer(String uri, String name) throws IOException {
    return new JedisStreamLink(uri, name + "-down", name + "-up");
  }

  @Override
  public void sendFor(ByteBuffer payload, long nanos) throws IOException {
    byte[] m = new byte[payload.remaining()];
    payload.get(payload.position(), m);
    long window = Math.max(2L * BATCH, WINDOW_BYTES / Math.max(1, m.length));
    Pipeline p = writer.pipelined();
    long end = System.nanoTime() + nanos;
    int queued = 0;
    long bytes = 0;
    for (int i = 0; (i & 255) != 0 || System.nanoTime() - end < 0; i++) {
      m[0] = (byte) i;
      p.sendCommand(Command.XADD, out, AUTO_ID, FIELD, m); // written into Jedis's buffer now: m can be reused
      bytes += m.length;
      if (++queued == BATCH || bytes >= BATCH_BYTES) {
        Response<Long> length = p.xlen(out);
        p.sync();
        queued = 0;
        bytes = 0;
        for (long len = length.get(); len > window; len = writer.xlen(out)) {
          pause(); // the reader is more than the window behind
        }
      }
    }
    p.sendCommand(Command.XADD, out, AUTO_ID, FIELD, new byte[0]);
    p.sync();
  }

  @Override
  public ThroughputResult receive(ThroughputMeter meter) throws IOException {
    long count = 0;
    long sum = 0;
    while (true) {
      read();
      for (byte[] m : batch) {
        if (m.length == 0) {
          checksum += sum;
          return meter.finish(count, sum);
        }
        sum += m[0];
        count++;
      }
      meter.batch(count);
    }
  }

  @Override
  public void echo() throws IOException {
    while (true) {
      read();
      for (byte[] m : batch) {
        if (m.length == 0) {
          return;
        }
        writer.sendCommand(Command.XADD, out, AUTO_ID, FIELD, m);
      }
    }
  }

  @Override
  public void roundTrip(ByteBuffer payload) throws IOException {
    byte[] m = new byte[payload.remaining()];
    payload.get(payload.position(), m);
    writer.sendCommand(Command.XADD, out, AUTO_ID, FIELD, m);
    read();
    checksum += batch.get(0)[0];
  }

  @Override
  public void sendEnd() {
    writer.sendCommand(Command.XADD, out, AUTO_ID, FIELD, new byte[0]);
  }

  @Override
  public long checksum() {
    return checksum;
  }

  @Override
  public void close() {
    try {
      writer.del(in, out);
    } catch (RuntimeException e) {
      // the server is gone: nothing to clean up
    }
    reader.close();
    writer.close();
  }

  /**
   * Reads the next entries of {@code in} into {@link #batch} (at least one, waiting up to 15 s), then
   * acknowledges them and trims the stream up to them in one round trip.
   */
  @SuppressWarnings("unchecked")
  private void read() throws IOException {
    batch.clear();
    long deadline = System.nanoTime() + WAIT_NANOS;
    List<Object> entries = List.of();
    while (entries.isEmpty()) {
      if (System.nanoTime() - deadline > 0) {
        throw new SocketTimeoutException("no entry in stream " + new String(in, StandardCharsets.UTF_8) + " for 15 s");
      }
      Object reply = reader.sendBlockingCommand(Command.XREADGROUP, bytes("GROUP"), GROUP, CONSUMER,
          bytes("COUNT"), bytes(Integer.toString(COUNT)), bytes("BLOCK"), bytes("1000"), bytes("STREAMS"), in, NEW);
      if (reply != null && !((List<Object>) reply).isEmpty()) {
        entries = (List<Object>) ((List<Object>) ((List<Object>) reply).get(0)).get(1);
      }
    }
    byte[][] ack = new byte[entries.size() + 2][];
    ack[0] = in;
    ack[1] = GROUP;
    for (int i = 0; i < entries.size(); i++) {
      List<Object> entry = (List<Object>) entries.get(i);
      ack[i + 2] = (byte[]) entry.get(0);
      batch.add((byte[]) ((List<Object>) entry.get(1)).get(1));
    }
    Pipeline p = reader.pipelined();
    p.sendCommand(Command.XACK, ack);
    p.sendCommand(Command.XTRIM, in, bytes("MINID"), bytes("~"), ack[ack.length - 1]);
    p.sync();
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  private static void pause() throws IOException {
    try {
      Thread.sleep(1);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }
}
