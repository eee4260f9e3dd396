package dev.ipckit.redis.internal;

import dev.ipckit.IpcException;
import dev.ipckit.redis.RedisEndpoint;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import redis.clients.jedis.exceptions.JedisException;

/**
 * One Redis subscription (SUBSCRIBE to a channel or PSUBSCRIBE to a pattern) kept alive on its
 * own daemon thread (not API). Jedis does not resubscribe: when the connection drops, or Redis
 * stops answering pings, this reconnects with backoff and subscribes again, telling its
 * {@link Listener} so it can reset its clocks. Messages sent while it was away are lost; the
 * sequence numbers let receivers see that.
 *
 * <p>Jedis connects and logs in; SUBSCRIBE, PING and what Redis pushes then go over the socket
 * directly ({@link PushReader}), so a message costs its payload's array and nothing more.
 */
public final class Subscriber implements AutoCloseable {
  /** Called on the subscriber thread. */
  public interface Listener {
    void onMessage(byte[] message);

    /** The subscription is (again) in place. */
    default void onSubscribed(boolean again) {}

    /** The connection was lost; a reconnect follows unless closing. */
    default void onDisconnected(String cause) {}
  }

  private static final byte[] PING = "*1\r\n$4\r\nPING\r\n".getBytes(StandardCharsets.US_ASCII);

  private final RedisEndpoint endpoint;
  private final String uri;
  private final byte[] target;
  private final boolean pattern;
  private final Listener listener;
  private final Backoff backoff;
  private final long pingTimeoutNanos;
  private final Thread thread;
  private final CountDownLatch firstSubscribed = new CountDownLatch(1);
  private volatile boolean closed;
  private volatile SingleUseConnection connection;
  private volatile String lastError = "not connected yet";
  private volatile long lastHeardNanos;
  /** Set per message instead of reading the clock; {@link #ping} turns it into lastHeardNanos. */
  private volatile boolean heard;
  private volatile long pingSentNanos;
  private volatile int subscriptions;
  private volatile int connects;

  /**
   * @param pingTimeout a ping unanswered for this long counts as a dead connection; zero: never
   */
  public Subscriber(RedisEndpoint endpoint, String uri, String threadName, String target,
      boolean pattern, Listener listener, Duration backoff, Duration maxBackoff, Duration pingTimeout) {
    this.endpoint = endpoint;
    this.uri = uri;
    this.target = target.getBytes(StandardCharsets.UTF_8);
    this.pattern = pattern;
    this.listener = listener;
    this.backoff = new Backoff(backoff, maxBackoff);
    this.pingTimeoutNanos = pingTimeout.toNanos();
    this.thread = new Thread(this::run, threadName);
    thread.setDaemon(true);
  }

  /**
   * Starts the thread and waits until the first subscription is in place, so that every message
   * published after this returns is received.
   *
   * @throws IpcException Redis could not be reached or refused within {@code timeout}
   */
  public void start(Duration timeout) throws IpcException {
    thread.start();
    try {
      if (!firstSubscribed.await(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
        String cause = lastError;
        close();
        throw new IpcException("cannot subscribe to '" + new String(target, StandardCharsets.UTF_8)
            + "' at Redis " + endpoint + " for " + uri + " within " + timeout.toMillis() + " ms: " + cause);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      close();
      throw new IpcException("interrupted while subscribing for " + uri, e);
    }
  }

  /** How many connections were made: 1 plus the reconnects. */
  public int connects() {
    return connects;
  }

  /** Why the last connection ended or failed. */
  public String lastError() {
    return lastError;
  }

  public boolean isSubscribed() {
    return subscriptions > 0;
  }

  /**
   * Pings Redis on the subscribed connection; if the previous ping went unanswered for the ping
   * timeout, drops the connection so that the thread reconnects. Call periodically.
   */
  public void ping(long now) {
    SingleUseConnection c = connection;
    if (c == null || subscriptions == 0 || pingTimeoutNanos == 0) {
      return;
    }
    if (heard) {
      heard = false;
      lastHeardNanos = now;
    }
    if (pingSentNanos != 0 && lastHeardNanos - pingSentNanos < 0 && now - pingSentNanos > pingTimeoutNanos) {
      lastError = "Redis did not answer a ping for " + (now - pingSentNanos) / 1_000_000 + " ms";
      Closing.quietly(c);
      return;
    }
    if (pingSentNanos == 0 || lastHeardNanos - pingSentNanos >= 0) {
      try {
        pingSentNanos = now;
        write(c, PING);
      } catch (IOException | RuntimeException e) {
        Closing.quietly(c);
      }
    }
  }

  /** Writes a command on the socket; the thread subscribing and the ticker pinging may both write. */
  private static void write(SingleUseConnection c, byte[] command) throws IOException {
    Socket s = c.socket();
    synchronized (s) {
      s.getOutputStream().write(command);
    }
  }

  /** {@code *2 $9 SUBSCRIBE $n target} (or PSUBSCRIBE). */
  private byte[] subscribeCommand() {
    String name = pattern ? "PSUBSCRIBE" : "SUBSCRIBE";
    byte[] head = ("*2\r\n$" + name.length() + "\r\n" + name + "\r\n$" + target.length + "\r\n")
        .getBytes(StandardCharsets.US_ASCII);
    byte[] c = java.util.Arrays.copyOf(head, head.length + target.length + 2);
    System.arraycopy(target, 0, c, head.length, target.length);
    c[c.length - 2] = '\r';
    c[c.length - 1] = '\n';
    return c;
  }

  private void run() {
    while (!closed) {
      SingleUseConnection c;
      try {
        c = endpoint.connect();
      } catch (JedisException e) {
        lastError = Errors.describe(e);
        backoff.sleep();
        continue;
      }
      connection = c;
      connects++;
      if (closed) {
        break;
      }
      pingSentNanos = 0;
      try {
        Socket s = c.socket();
        s.setSoTimeout(0); // silence is normal here; the pings tell a dead connection
        write(c, subscribeCommand());
        PushReader reader = new PushReader(s.getInputStream());
        Pushes pushes = new Pushes();
        while (!closed) {
          reader.next(pushes);
        }
      } catch (IOException | RuntimeException e) {
        lastError = Errors.describe(e);
      } finally {
        boolean was = subscriptions > 0;
        subscriptions = 0;
        Closing.quietly(c);
        if (was && !closed) {
          listener.onDisconnected(lastError);
        }
      }
      if (!closed) {
        backoff.sleep();
      }
    }
    Closing.quietly(connection);
  }

  /** Stops the thread: the socket is closed under it, Redis drops the subscription. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    backoff.cancel();
    Closing.quietly(connection);
    Closing.awaitExit(thread);
  }

  /** What Redis pushes on one connection. */
  private final class Pushes implements PushReader.Handler {
    private boolean subscribedBefore;

    @Override
    public void subscribed(int count) {
      lastHeardNanos = System.nanoTime();
      subscriptions = count;
      backoff.reset();
      boolean again = firstSubscribed.getCount() == 0;
      firstSubscribed.countDown();
      if (!subscribedBefore) {
        subscribedBefore = true;
        listener.onSubscribed(again);
      }
    }

    @Override
    public void message(byte[] payload) {
      if (!heard) {
        heard = true;
      }
      listener.onMessage(payload);
    }

    @Override
    public void pong() {
      lastHeardNanos = System.nanoTime();
    }
  }
}
