package dev.ipckit.redis;

import dev.ipckit.Capabilities;
import dev.ipckit.Capability;
import dev.ipckit.Channel;
import dev.ipckit.ChannelOptions;
import dev.ipckit.ChannelServer;
import dev.ipckit.ChannelUri;
import dev.ipckit.InvalidChannelUriException;
import dev.ipckit.IpcException;
import dev.ipckit.redis.internal.Errors;
import dev.ipckit.redis.internal.Hello;
import dev.ipckit.redis.internal.Publisher;
import dev.ipckit.spi.TransportProvider;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import redis.clients.jedis.CommandArguments;
import redis.clients.jedis.Connection;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.exceptions.JedisException;

/**
 * {@code redis-stream://} and {@code rediss-stream://} (TLS): durable channels over Redis Streams
 * and consumer groups, with Jedis 8.
 *
 * <pre>{@code
 * Channel worker = Channels.open("redis-stream://127.0.0.1:6379/0?stream=jobs&group=workers&consumer=w1");
 * ChannelServer server = Channels.listen("redis-stream://127.0.0.1:6379/0?server=svc"); // pairs
 * Channel client = Channels.open("redis-stream://127.0.0.1:6379/0?server=svc");
 * }</pre>
 *
 * Options, the stream layout and the acknowledgement rule: docs/REDIS.md.
 */
public final class RedisStreamTransport implements TransportProvider {
  /**
   * ORDERED: per writer, as Redis appends (an entry claimed from a dead consumer comes late);
   * LOSSLESS and DURABLE: at-least-once, while Redis keeps its data (AOF or RDB) and a stream's
   * consumers keep up with its {@code maxLen}.
   */
  static final Capabilities CAPABILITIES = Capabilities.of(Capability.ORDERED, Capability.LOSSLESS,
      Capability.DURABLE, Capability.ONE_TO_MANY, Capability.CROSSES_HOSTS, Capability.CROSSES_PROCESSES);

  /** The consumer group and consumer that read each stream of a pair. */
  static final String PAIR_GROUP = "ipckit";
  static final String PAIR_CONSUMER = "peer";

  @Override
  public Set<String> schemes() {
    return Set.of("redis-stream", "rediss-stream");
  }

  @Override
  public Capabilities capabilities() {
    return CAPABILITIES;
  }

  @Override
  public Set<String> options() {
    return StreamOptions.NAMES;
  }

  @Override
  public Channel open(ChannelUri uri) throws IOException {
    RedisEndpoint endpoint = RedisEndpoint.from(uri);
    ChannelOptions common = ChannelOptions.from(uri);
    StreamOptions options = StreamOptions.from(uri);
    return options.server() != null
        ? openClient(uri.toString(), endpoint, common, options)
        : openStream(uri.toString(), endpoint, common, options);
  }

  @Override
  public ChannelServer listen(ChannelUri uri) throws IOException {
    RedisEndpoint endpoint = RedisEndpoint.from(uri);
    ChannelOptions common = ChannelOptions.from(uri);
    StreamOptions options = StreamOptions.from(uri);
    if (options.server() == null) {
      throw new InvalidChannelUriException(RedisEndpoint.redact(uri.toString()), "a server listens on"
          + " ?server=NAME (clients open the same URI); to read a stream, open it instead");
    }
    return new RedisStreamServer(uri.toString(), endpoint, common, options);
  }

  static Publisher writer(RedisEndpoint endpoint, String display, String name, ChannelOptions common,
      StreamOptions options) throws IpcException {
    return new Publisher(endpoint, display, "ipckit-redis-xadd-" + name, common.sendBuffer(), options.backoff(),
        options.maxBackoff(), options.heartbeat().dividedBy(4).plusMillis(1), true);
  }

  private static Channel openStream(String uri, RedisEndpoint endpoint, ChannelOptions common,
      StreamOptions options) throws IpcException {
    String display = RedisEndpoint.redact(uri);
    String out = options.to() != null ? options.to() : options.stream();
    Publisher writer = writer(endpoint, display, out, common, options);
    RedisStreamChannel ch = new RedisStreamChannel(uri, display, common, options, RedisStreamChannel.Role.STREAM,
        out, options.receive() ? options.stream() : null, writer, true, () -> {});
    try {
      ch.startReading(endpoint, options.group(), options.consumer(), options.groupStart(), options.claimAfter());
    } catch (IpcException e) {
      writer.close();
      throw e;
    }
    return ch;
  }

  private static Channel openClient(String uri, RedisEndpoint endpoint, ChannelOptions common,
      StreamOptions options) throws IOException {
    String display = RedisEndpoint.redact(uri);
    String server = options.server();
    try (Connection c = endpoint.connect()) {
      Object n = c.executeCommand(new CommandArguments(Protocol.Command.EXISTS).add(serverKey(server)));
      if (!Long.valueOf(1).equals(n)) {
        throw new IpcException("connection refused: no ipckit server listens on stream server '" + server
            + "' at " + endpoint + " (" + display + ")");
      }
    } catch (JedisException e) {
      throw new IpcException("cannot reach Redis at " + endpoint + " for " + display + ": " + Errors.describe(e), e);
    }
    String id = String.format("%016x", RedisTransport.newId());
    Publisher writer = writer(endpoint, display, server + ":" + id, common, options);
    RedisStreamChannel ch = new RedisStreamChannel(uri, display, common, options, RedisStreamChannel.Role.CLIENT,
        upStream(server, id), downStream(server, id), writer, true, () -> {});
    try {
      ch.startReading(endpoint, PAIR_GROUP, PAIR_CONSUMER, "0", Duration.ZERO);
      writer.ticker(ch::tick);
      byte[] hello = id.getBytes(StandardCharsets.US_ASCII);
      Hello.await(writer.<Object>call(p -> p.sendCommand(new CommandArguments(Protocol.Command.XADD).add(server)
          .add("MAXLEN").add("~").add(1000).add("*").add(new byte[] {'d'}).add(hello))), common.connectTimeout(),
          display);
    } catch (IOException e) {
      ch.close();
      throw e;
    }
    return ch;
  }

  /** The key whose presence says a server listens on {@code server}. */
  static String serverKey(String server) {
    return server + ":server";
  }

  /** Client {@code id} to its server. */
  static String upStream(String server, String id) {
    return server + ":" + id + ":up";
  }

  /** The server to client {@code id}. */
  static String downStream(String server, String id) {
    return server + ":" + id + ":down";
  }
}
