package dev.ipckit.bench;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import redis.clients.jedis.BinaryJedisPubSub;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;

/**
 * The plain Jedis baseline of Redis pub/sub: one connection publishes (pipelined, a sync every
 * 1,024 messages or 4 MiB, as ipckit's publisher batches), another is subscribed on a thread of
 * its own that hands each message to the reading thread through a queue (as ipckit's subscriber
 * hands them to its inbox). Two Redis channels: {@code NAME-up} (peer to parent) and
 * {@code NAME-down}. Messages are the payload alone; an empty one is the stop or end marker.
 */
final class JedisLink implements BenchLink {
  private static final int BATCH = 1024;
  private static final long BATCH_BYTES = 4L << 20;
  private static final long WAIT_SECONDS = 15;

  private final Jedis publisher;
  private final Jedis subscriber;
  private final byte[] outChannel;
  /** Put in the inbox when the subscription ends, so a reader does not wait for what cannot come. */
  private static final byte[] GONE = new byte[0];

  private final BlockingQueue<byte[]> inbox = new LinkedBlockingQueue<>();
  private volatile RuntimeException lost;
  private final Subscription subscription = new Subscription();
  private final Thread thread;
  private long checksum;

  private JedisLink(String uri, String in, String out) throws IOException {
    publisher = new Jedis(URI.create(uri));
    subscriber = new Jedis(URI.create(uri));
    outChannel = out.getBytes(StandardCharsets.UTF_8);
    byte[] inChannel = in.getBytes(StandardCharsets.UTF_8);
    thread = new Thread(() -> {
      try {
        subscriber.subscribe(subscription, inChannel);
      } catch (RuntimeException e) {
        lost = e;
      } finally {
        inbox.add(GONE);
      }
    }, "jedis-subscriber " + in);
    thread.setDaemon(true);
    thread.start();
    try {
      if (!subscription.ready.await(WAIT_SECONDS, TimeUnit.SECONDS)) {
        close();
        throw new SocketTimeoutException("not subscribed to " + in + " at " + uri + " within " + WAIT_SECONDS + " s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      close();
      throw new IOException("interrupted while subscribing", e);
    }
  }

  static JedisLink parent(String uri, String name) throws IOException {
    return new JedisLink(uri, name + "-up", name + "-down");
  }

  static JedisLink peer(String uri, String name) throws IOException {
    return new JedisLink(uri, name + "-down", name + "-up");
  }

  @Override
  public void sendFor(ByteBuffer payload, long nanos) {
    byte[] m = new byte[payload.remaining()];
    payload.get(payload.position(), m);
    Pipeline p = publisher.pipelined();
    long end = System.nanoTime() + nanos;
    int queued = 0;
    long bytes = 0;
    for (int i = 0; (i & 255) != 0 || System.nanoTime() - end < 0; i++) {
      m[0] = (byte) i;
      p.publish(outChannel, m); // Jedis writes the command into its buffer now: m can be reused
      bytes += m.length;
      if (++queued == BATCH || bytes >= BATCH_BYTES) {
        p.sync();
        queued = 0;
        bytes = 0;
      }
    }
    p.publish(outChannel, new byte[0]);
    p.sync();
  }

  @Override
  public ThroughputResult receive(ThroughputMeter meter) throws IOException {
    List<byte[]> batch = new ArrayList<>();
    long count = 0;
    long sum = 0;
    while (true) {
      batch.add(take());
      inbox.drainTo(batch);
      for (byte[] m : batch) {
        if (m.length == 0) {
          checksum += sum;
          return meter.finish(count, sum);
        }
        sum += m[0];
        count++;
      }
      batch.clear();
      meter.batch(count);
    }
  }

  @Override
  public void echo() throws IOException {
    while (true) {
      byte[] m = take();
      if (m.length == 0) {
        return;
      }
      publisher.publish(outChannel, m);
    }
  }

  @Override
  public void roundTrip(ByteBuffer payload) throws IOException {
    byte[] m = new byte[payload.remaining()];
    payload.get(payload.position(), m);
    publisher.publish(outChannel, m);
    checksum += take()[0];
  }

  @Override
  public void sendEnd() {
    publisher.publish(outChannel, new byte[0]);
  }

  @Override
  public long checksum() {
    return checksum;
  }

  @Override
  public void close() {
    try {
      if (subscription.isSubscribed()) {
        subscription.unsubscribe();
      }
    } catch (RuntimeException e) {
      // the connection is gone already
    }
    try {
      thread.join(5000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    subscriber.close();
    publisher.close();
  }

  private byte[] take() throws IOException {
    try {
      byte[] m = inbox.poll(WAIT_SECONDS, TimeUnit.SECONDS);
      if (m == null) {
        throw new SocketTimeoutException("no message from Redis for " + WAIT_SECONDS + " s");
      }
      if (m == GONE) {
        throw new IOException("the subscription ended (Redis disconnects a subscriber that falls more than its "
            + "client-output-buffer-limit pubsub behind): " + lost, lost);
      }
      return m;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  private final class Subscription extends BinaryJedisPubSub {
    final CountDownLatch ready = new CountDownLatch(1);

    @Override
    public void onSubscribe(byte[] channel, int subscribedChannels) {
      ready.countDown();
    }

    @Override
    public void onMessage(byte[] channel, byte[] message) {
      inbox.add(message);
    }
  }
}
