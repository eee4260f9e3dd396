package dev.ipckit.redis;

import dev.ipckit.ChannelOptions;
import dev.ipckit.IpcException;
import dev.ipckit.redis.internal.Closing;
import dev.ipckit.redis.internal.Errors;
import dev.ipckit.redis.internal.Publisher;
import dev.ipckit.redis.internal.StreamReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
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
public final class RedisStreamServer extends PairServer<String, RedisStreamChannel> {
  private static final String HELLO_GROUP = "ipckit-server";

  private final RedisEndpoint endpoint;
  private final StreamOptions options;
  private final Publisher writer;
  private final StreamReader hellos;
  private final byte[] serverKey;

  RedisStreamServer(String uri, RedisEndpoint endpoint, ChannelOptions common, StreamOptions options)
      throws IpcException {
    super(uri, options.server(), common);
    this.endpoint = endpoint;
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
        writer, false, () -> remove(client, self[0]));
    if (backlogFull()) {
      Closing.quietly(self[0]); // says BYE on the client's stream
      return;
    }
    try {
      self[0].startReading(endpoint, RedisStreamTransport.PAIR_GROUP, RedisStreamTransport.PAIR_CONSUMER, "0",
          Duration.ZERO);
    } catch (IpcException e) {
      Closing.quietly(self[0]);
      return;
    }
    add(client, self[0]);
  }

  @Override
  public void close() throws IOException {
    if (!markClosed()) {
      return;
    }
    hellos.close();
    closeChannels();
    writer.control(p -> p.del(serverKey));
    writer.close(common.sendTimeout().toNanos());
  }
}
