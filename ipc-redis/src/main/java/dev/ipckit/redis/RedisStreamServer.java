package dev.ipckit.redis;

import dev.ipckit.Channel;
import dev.ipckit.ChannelOptions;
import dev.ipckit.ChannelServer;
import dev.ipckit.IpcException;
import dev.ipckit.redis.internal.Errors;
import dev.ipckit.redis.internal.Backlog;
import dev.ipckit.redis.internal.Publisher;
import dev.ipckit.redis.internal.StreamReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import redis.clients.jedis.CommandArguments;
import redis.clients.jedis.Connection;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;

/**
 * An ipckit server on Redis Streams ({@code redis-stream://host/0?server=NAME}). It holds the key
 * {@code NAME:server} (SET NX, renewed with a TTL of {@code peerTimeout}) and reads the stream
 * NAME, where each client appends a hello naming its id. Client {@code id} then writes to
 * {@code NAME:<id>:up} and reads {@code NAME:<id>:down}; the server's channel does the reverse.
 * Each end keeps a liveness key beside the stream it reads (docs/REDIS.md).
 *
 * <p>One writer thread serves every client of the server; each accepted channel has its own
 * reader thread and connection.
 */
public final class RedisStreamServer implements ChannelServer {
  /** Clients that said hello but were not accepted yet; more are told BYE at once. */
  static final int BACKLOG = 128;
  private static final String HELLO_GROUP = "ipckit-server";

  private final String uri;
  private final String display;
  private final String name;
  private final RedisEndpoint endpoint;
  private final ChannelOptions common;
  private final StreamOptions options;
  private final Publisher writer;
  private final StreamReader hellos;
  private final byte[] serverKey;
  private final Map<String, RedisStreamChannel> byClient = new ConcurrentHashMap<>();
  private final Backlog backlog;
  private volatile boolean closed;

  RedisStreamServer(String uri, RedisEndpoint endpoint, ChannelOptions common, StreamOptions options)
      throws IpcException {
    this.uri = uri;
    this.display = RedisEndpoint.redact(uri);
    this.backlog = new Backlog(display);
    this.name = options.server();
    this.endpoint = endpoint;
    this.common = common;
    this.options = options;
    this.serverKey = RedisStreamTransport.serverKey(name).getBytes(StandardCharsets.UTF_8);
    long px = options.peerTimeout().toMillis();
    try (Connection c = endpoint.connect()) {
      Object ok = c.executeCommand(new CommandArguments(Protocol.Command.SET).add(serverKey).add("listening")
          .add("NX").add("PX").add(px));
      if (ok == null) {
        throw new IpcException("address in use: another ipckit server listens on stream server '" + name + "' at "
            + endpoint + " (its key " + RedisStreamTransport.serverKey(name) + " exists; it expires "
            + px + " ms after that server stops)");
      }
      // hellos said to an earlier server are stale: this one starts at the stream's end
      try {
        c.executeCommand(new CommandArguments(Protocol.Command.XGROUP).add("DESTROY").add(name).add(HELLO_GROUP));
      } catch (JedisDataException e) {
        // no stream yet: no stale hellos either
      }
    } catch (JedisException e) {
      throw new IpcException("cannot reach Redis at " + endpoint + " for " + display + ": " + Errors.describe(e), e);
    }
    this.writer = RedisStreamTransport.writer(endpoint, display, "server-" + name, common, options);
    this.hellos = new StreamReader(endpoint, display, "ipckit-redis-xread-server-" + name, name, HELLO_GROUP,
        "server", "$", Duration.ZERO, 64, new StreamReader.Sink() {
          @Override
          public long awaitRoom(long nanos) {
            return Long.MAX_VALUE;
          }

          @Override
          public boolean entry(String id, byte[] payload, boolean bye) {
            if (payload != null) {
              hello(new String(payload, StandardCharsets.US_ASCII));
            }
            skipped(id);
            return true;
          }

          @Override
          public void skipped(String id) {
            writer.control(p -> p.sendCommand(new CommandArguments(Protocol.Command.XACK).add(name)
                .add(HELLO_GROUP).add(id)));
          }
        }, options.backoff(), options.maxBackoff());
    writer.ticker(now -> {
      if (!closed) {
        writer.control(p -> p.psetex(serverKey, px, "listening".getBytes(StandardCharsets.US_ASCII)));
      }
      byClient.values().forEach(ch -> ch.tick(now));
    });
    try {
      hellos.start(common.connectTimeout());
    } catch (IpcException e) {
      writer.control(p -> p.del(serverKey));
      writer.close(common.sendTimeout().toNanos());
      throw e;
    }
  }

  /** Called on the hello reader's thread. */
  private void hello(String client) {
    if (closed || byClient.containsKey(client) || !client.matches("[0-9a-f]{16}")) {
      return;
    }
    String up = RedisStreamTransport.upStream(name, client);
    String down = RedisStreamTransport.downStream(name, client);
    RedisStreamChannel[] self = new RedisStreamChannel[1];
    self[0] = new RedisStreamChannel(uri, display, common, options, RedisStreamChannel.Role.ACCEPTED, down, up,
        writer, false, () -> {
          byClient.remove(client, self[0]);
          backlog.remove(self[0]);
        });
    if (backlog.waiting() >= BACKLOG) {
      closeQuietly(self[0]); // says BYE on the client's stream
      return;
    }
    try {
      self[0].startReading(endpoint, RedisStreamTransport.PAIR_GROUP, RedisStreamTransport.PAIR_CONSUMER, "0",
          Duration.ZERO);
    } catch (IpcException e) {
      closeQuietly(self[0]);
      return;
    }
    byClient.put(client, self[0]);
    backlog.add(self[0]);
  }

  private static void closeQuietly(Channel c) {
    try {
      c.close();
    } catch (IOException ignored) {
      // the client times this end out
    }
  }

  @Override
  public String uri() {
    return uri;
  }

  @Override
  public Channel accept(Duration timeout) throws IOException {
    return backlog.accept(timeout);
  }

  @Override
  public List<Channel> channels() {
    return backlog.channels();
  }

  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    hellos.close();
    for (RedisStreamChannel c : byClient.values()) {
      closeQuietly(c);
    }
    backlog.close();
    writer.control(p -> p.del(serverKey));
    writer.close(common.sendTimeout().toNanos());
  }

  @Override
  public String toString() {
    return "RedisStreamServer[" + display + "]";
  }
}
