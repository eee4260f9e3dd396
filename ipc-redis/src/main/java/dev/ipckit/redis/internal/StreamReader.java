package dev.ipckit.redis.internal;

import dev.ipckit.IpcException;
import dev.ipckit.redis.RedisEndpoint;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import redis.clients.jedis.CommandArguments;
import redis.clients.jedis.Connection;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;

/**
 * Reads one stream as one consumer of a consumer group, on its own daemon thread and connection
 * (not API). On every (re)connect it creates the group if missing, then reads this consumer's own
 * pending entries first (XREADGROUP from id 0: what it was handed before a restart or a dropped
 * connection and never acknowledged), then new ones ({@code >}) with a bounded BLOCK so that it
 * notices a close promptly. Every {@code claimAfter / 2} it takes over entries that another
 * consumer has left pending for {@code claimAfter} (XAUTOCLAIM): that consumer died or hangs.
 *
 * <p>Entries it handed to its {@link Sink} and that were not acknowledged yet are remembered, so
 * re-reading the pending list after a reconnect hands nothing twice to this process. It reads no
 * more than its sink has room for.
 */
public final class StreamReader implements AutoCloseable {
  /** Called on the reader thread. */
  public interface Sink {
    /** Waits up to {@code nanos} for room; returns the bytes free (0: full). */
    long awaitRoom(long nanos);

    /**
     * An entry with a message ({@code payload}) or the end marker ({@code bye}).
     *
     * @return false to stop reading
     */
    boolean entry(String id, byte[] payload, boolean bye);

    /** An entry that is not a message (deleted, or without a {@code d} field): acknowledge it. */
    void skipped(String id);
  }

  /** The field holding a message's bytes. */
  public static final byte[] DATA = {'d'};
  /** The field of ipckit's end marker. */
  public static final byte[] BYE = {'b', 'y', 'e'};

  private final RedisEndpoint endpoint;
  private final String uri;
  private final byte[] key;
  private final byte[] group;
  private final byte[] consumer;
  private final String groupStart;
  private final long claimAfterMillis;
  private final int count;
  private final Sink sink;
  private final Backoff backoff;
  private final Thread thread;
  private final Set<String> handed = ConcurrentHashMap.newKeySet();
  private final CountDownLatch ready = new CountDownLatch(1);
  private volatile boolean closed;
  private volatile Connection connection;
  private volatile String lastError = "not connected yet";
  private volatile int connects;
  private long averageSize = 1024;

  public StreamReader(RedisEndpoint endpoint, String uri, String threadName, String key, String group,
      String consumer, String groupStart, Duration claimAfter, int count, Sink sink, Duration backoff,
      Duration maxBackoff) {
    this.endpoint = endpoint;
    this.uri = uri;
    this.key = key.getBytes(StandardCharsets.UTF_8);
    this.group = group.getBytes(StandardCharsets.UTF_8);
    this.consumer = consumer.getBytes(StandardCharsets.UTF_8);
    this.groupStart = groupStart;
    this.claimAfterMillis = claimAfter.toMillis();
    this.count = count;
    this.sink = sink;
    this.backoff = new Backoff(backoff, maxBackoff);
    this.thread = new Thread(this::run, threadName);
    thread.setDaemon(true);
  }

  /**
   * Starts the thread and waits until the group exists and reading has begun.
   *
   * @throws IpcException Redis could not be reached or refused within {@code timeout}
   */
  public void start(Duration timeout) throws IpcException {
    thread.start();
    try {
      if (!ready.await(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
        String cause = lastError;
        close();
        throw new IpcException("cannot read stream '" + new String(key, StandardCharsets.UTF_8) + "' at Redis "
            + endpoint + " for " + uri + " within " + timeout.toMillis() + " ms: " + cause);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      close();
      throw new IpcException("interrupted while opening " + uri, e);
    }
  }

  /** The entries {@code ids} were acknowledged: a later re-read may hand them again only if pending. */
  public void acked(List<String> ids) {
    ids.forEach(handed::remove);
  }

  /** How many connections were made: 1 plus the reconnects. */
  public int connects() {
    return connects;
  }

  private void run() {
    String cursor = "0";
    long nextClaim = 0;
    boolean reading = true;
    while (!closed && reading) {
      Connection c = connection;
      try {
        if (c == null) {
          Connection fresh = endpoint.connect();
          try {
            createGroup(fresh); // fails while Redis loads its data after a restart: then all of this again
          } catch (RuntimeException e) {
            fresh.close();
            throw e;
          }
          c = fresh;
          connection = c;
          connects++;
          cursor = "0"; // own pending entries first
          backoff.reset();
          ready.countDown();
        }
        long room = sink.awaitRoom(TimeUnit.MILLISECONDS.toNanos(100));
        if (room <= 0) {
          continue;
        }
        int n = (int) Math.max(1, Math.min(count, room / Math.max(64, averageSize)));
        if (claimAfterMillis > 0 && System.nanoTime() - nextClaim >= 0) {
          nextClaim = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Math.max(100, claimAfterMillis / 2));
          reading = claim(c, n);
          continue;
        }
        List<Object> entries = read(c, cursor == null ? ">" : cursor, n, cursor == null);
        if (cursor != null) {
          cursor = entries.isEmpty() ? null : id(entries.get(entries.size() - 1));
        }
        reading = deliver(entries);
      } catch (JedisDataException e) {
        lastError = Errors.describe(e);
        String m = String.valueOf(e.getMessage());
        if (m.startsWith("NOGROUP") || m.startsWith("LOADING")) {
          disconnect(); // Redis lost the group (restarted without its data), or is loading it: start over
        }
        backoff.sleep();
      } catch (JedisException e) {
        lastError = Errors.describe(e);
        disconnect();
        if (!closed) {
          backoff.sleep();
        }
      }
    }
    disconnect();
  }

  private void createGroup(Connection c) {
    try {
      c.executeCommand(new CommandArguments(Protocol.Command.XGROUP).add("CREATE").add(key).add(group)
          .add(groupStart).add("MKSTREAM"));
    } catch (JedisDataException e) {
      if (!String.valueOf(e.getMessage()).startsWith("BUSYGROUP")) {
        throw e;
      }
    }
  }

  /** XREADGROUP; a BLOCK well under the socket timeout, so a quiet stream is not a dead connection. */
  @SuppressWarnings("unchecked")
  private List<Object> read(Connection c, String from, int n, boolean block) {
    CommandArguments args = new CommandArguments(Protocol.Command.XREADGROUP).add("GROUP").add(group)
        .add(consumer).add("COUNT").add(n);
    if (block) {
      args.add("BLOCK").add(Math.max(10, Math.min(1000, c.getSoTimeout() / 2)));
    }
    Object reply = c.executeCommand(args.add("STREAMS").add(key).add(from));
    if (reply == null) {
      return List.of();
    }
    List<Object> streams = (List<Object>) reply;
    return streams.isEmpty() ? List.of() : (List<Object>) ((List<Object>) streams.get(0)).get(1);
  }

  /** XAUTOCLAIM rounds until nothing more is idle long enough or there is no more room. */
  @SuppressWarnings("unchecked")
  private boolean claim(Connection c, int n) {
    String start = "0-0";
    do {
      List<Object> reply = (List<Object>) c.executeCommand(new CommandArguments(Protocol.Command.XAUTOCLAIM)
          .add(key).add(group).add(consumer).add(claimAfterMillis).add(start).add("COUNT").add(n));
      start = new String((byte[]) reply.get(0), StandardCharsets.US_ASCII);
      if (!deliver((List<Object>) reply.get(1))) {
        return false;
      }
      if (reply.size() > 2) {
        for (Object deleted : (List<Object>) reply.get(2)) {
          sink.skipped(new String((byte[]) deleted, StandardCharsets.US_ASCII));
        }
      }
    } while (!start.equals("0-0") && !closed && sink.awaitRoom(0) > 0);
    return true;
  }

  @SuppressWarnings("unchecked")
  private boolean deliver(List<Object> entries) {
    for (Object o : entries) {
      List<Object> entry = (List<Object>) o;
      String id = id(entry);
      if (!handed.add(id)) {
        continue; // handed to this process already and not yet acknowledged
      }
      List<Object> fields = (List<Object>) entry.get(1);
      byte[] payload = null;
      boolean bye = false;
      if (fields != null) {
        for (int i = 0; i + 1 < fields.size(); i += 2) {
          byte[] name = (byte[]) fields.get(i);
          if (java.util.Arrays.equals(name, DATA)) {
            payload = (byte[]) fields.get(i + 1);
          } else if (java.util.Arrays.equals(name, BYE)) {
            bye = true;
          }
        }
      }
      if (payload == null && !bye) {
        sink.skipped(id);
        continue;
      }
      if (payload != null) {
        averageSize = (averageSize * 7 + payload.length) / 8;
      }
      if (!sink.entry(id, payload, bye && payload == null)) {
        return false;
      }
    }
    return true;
  }

  private static String id(Object entry) {
    return new String((byte[]) ((List<?>) entry).get(0), StandardCharsets.US_ASCII);
  }

  private void disconnect() {
    Connection c = connection;
    connection = null;
    Closing.quietly(c);
  }

  /** Stops the thread: the socket is closed under a blocked read. Entries not acknowledged stay pending. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    backoff.cancel();
    disconnect();
    Closing.awaitExit(thread);
    disconnect(); // in case the thread connected again meanwhile
  }
}
