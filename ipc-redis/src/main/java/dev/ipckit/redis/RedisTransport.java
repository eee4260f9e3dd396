package dev.ipckit.redis;

import dev.ipckit.Capabilities;
import dev.ipckit.Capability;
import dev.ipckit.Channel;
import dev.ipckit.ChannelOptions;
import dev.ipckit.ChannelServer;
import dev.ipckit.ChannelUri;
import dev.ipckit.InvalidChannelUriException;
import dev.ipckit.IpcException;
import dev.ipckit.redis.internal.Closing;
import dev.ipckit.redis.internal.Frame;
import dev.ipckit.redis.internal.Hello;
import dev.ipckit.redis.internal.Publisher;
import dev.ipckit.redis.internal.Subscriber;
import dev.ipckit.spi.TransportProvider;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import redis.clients.jedis.Connection;
import redis.clients.jedis.Jedis;

/**
 * {@code redis://} and {@code rediss://} (TLS): channels over Redis pub/sub, with Jedis 8.
 *
 * <pre>{@code
 * Channel bus = Channels.open("redis://:secret@127.0.0.1:6379/0?channel=jobs"); // publish + subscribe
 * ChannelServer server = Channels.listen("redis://127.0.0.1:6379/0?server=svc"); // pairs
 * Channel client = Channels.open("redis://127.0.0.1:6379/0?server=svc");
 * }</pre>
 *
 * Options, the wire header and what happens when Redis restarts: docs/REDIS.md. Jedis is loaded
 * only when a channel is opened.
 */
public final class RedisTransport implements TransportProvider {
  static final Capabilities PUBSUB_CAPABILITIES = Capabilities.of(Capability.ORDERED,
      Capability.ONE_TO_MANY, Capability.CROSSES_HOSTS, Capability.CROSSES_PROCESSES);

  private static final SecureRandom RANDOM = new SecureRandom();

  @Override
  public Set<String> schemes() {
    return Set.of("redis", "rediss");
  }

  @Override
  public Capabilities capabilities() {
    return PUBSUB_CAPABILITIES;
  }

  @Override
  public Set<String> options() {
    return Stream.concat(PubSubOptions.NAMES.stream(), RedisEndpoint.OPTIONS.stream()).collect(Collectors.toUnmodifiableSet());
  }

  @Override
  public Channel open(ChannelUri uri) throws IOException {
    RedisEndpoint endpoint = RedisEndpoint.from(uri);
    ChannelOptions common = ChannelOptions.from(uri);
    PubSubOptions options = PubSubOptions.from(uri);
    return options.server() != null
        ? openClient(uri.toString(), endpoint, common, options)
        : openBus(uri.toString(), endpoint, common, options);
  }

  @Override
  public ChannelServer listen(ChannelUri uri) throws IOException {
    RedisEndpoint endpoint = RedisEndpoint.from(uri);
    ChannelOptions common = ChannelOptions.from(uri);
    PubSubOptions options = PubSubOptions.from(uri);
    if (options.server() == null) {
      throw new InvalidChannelUriException(RedisEndpoint.redact(uri.toString()), "a server listens on"
          + " ?server=NAME (clients open the same URI); to subscribe to a channel, open it instead");
    }
    return new RedisPubSubServer(uri.toString(), endpoint, common, options);
  }

  private static RedisPubSubChannel openBus(String uri, RedisEndpoint endpoint, ChannelOptions common,
      PubSubOptions options) throws IpcException {
    String display = RedisEndpoint.redact(uri);
    String target = options.pattern() != null ? options.pattern() : options.channel();
    Publisher publisher = publisher(endpoint, display, target, common, options);
    Subscriber[] sub = new Subscriber[1];
    RedisPubSubChannel ch = new RedisPubSubChannel(uri, display, common, options, RedisPubSubChannel.Role.BUS,
        newId(), options.channel(), publisher, () -> sub[0] != null && sub[0].isSubscribed(), () -> {});
    if (options.subscribe()) {
      sub[0] = subscriber(endpoint, display, target, options.pattern() != null, ch, options);
      subscribe(ch, sub[0], publisher, common);
    }
    publisher.ticker(ch::tick);
    return ch;
  }

  private static RedisPubSubChannel openClient(String uri, RedisEndpoint endpoint, ChannelOptions common,
      PubSubOptions options) throws IOException {
    String display = RedisEndpoint.redact(uri);
    long id = newId();
    String replyTo = replyChannel(options.server(), id);
    Publisher publisher = publisher(endpoint, display, replyTo, common, options);
    Subscriber[] sub = new Subscriber[1];
    RedisPubSubChannel ch = new RedisPubSubChannel(uri, display, common, options,
        RedisPubSubChannel.Role.CLIENT, id, options.server(), publisher,
        () -> sub[0] != null && sub[0].isSubscribed(), () -> {});
    sub[0] = subscriber(endpoint, display, replyTo, false, ch, options);
    subscribe(ch, sub[0], publisher, common);
    long servers;
    try {
      servers = Hello.await(publisher.control(options.server().getBytes(java.nio.charset.StandardCharsets.UTF_8),
          Frame.control(Frame.HELLO, id, 0)), common.connectTimeout(), display);
    } catch (IpcException e) {
      Closing.quietly(ch);
      throw e;
    }
    if (servers == 0) {
      Closing.quietly(ch);
      throw new IpcException("connection refused: no ipckit server listens on Redis channel '"
          + options.server() + "' at " + endpoint + " (" + display + ")");
    }
    ch.resubscribed();
    publisher.ticker(ch::tick);
    return ch;
  }

  /** The publisher thread of a bus, a client or (with {@code name} {@code server-NAME}) a server. */
  static Publisher publisher(RedisEndpoint endpoint, String display, String name, ChannelOptions common,
      PubSubOptions options) throws IpcException {
    return new Publisher(endpoint, display, "ipckit-redis-pub-" + name, common.sendBuffer(), options.backoff(),
        options.maxBackoff(), tick(options));
  }

  /** Attaches {@code sub} to {@code ch} and waits for it to subscribe; on failure the publisher is closed too. */
  private static void subscribe(RedisPubSubChannel ch, Subscriber sub, Publisher publisher, ChannelOptions common)
      throws IpcException {
    ch.attach(sub);
    try {
      sub.start(common.connectTimeout());
    } catch (IpcException e) {
      publisher.close();
      throw e;
    }
  }

  private static Subscriber subscriber(RedisEndpoint endpoint, String display, String target, boolean pattern,
      RedisPubSubChannel ch, PubSubOptions options) {
    return new Subscriber(endpoint, display, "ipckit-redis-sub-" + target, target, pattern,
        new Subscriber.Listener() {
          @Override
          public void onMessage(byte[] message) {
            ch.deliver(message);
          }

          @Override
          public void onSubscribed(boolean again) {
            ch.resubscribed();
          }
        }, options.backoff(), options.maxBackoff(), options.heartbeat().isZero() ? Duration.ZERO : options.peerTimeout());
  }

  /** How often a channel's publisher thread runs its ticker: a quarter of the heartbeat. */
  static Duration tick(PubSubOptions options) {
    Duration beat = options.heartbeat();
    return beat.isZero() ? Duration.ofSeconds(1) : beat.dividedBy(4).plusMillis(1);
  }

  /** The reply channel of client {@code id} of the server on {@code server}: {@code server:<16 hex digits>}. */
  static String replyChannel(String server, long id) {
    return server + ":" + String.format("%016x", id);
  }

  /** A random non-zero publisher id. */
  static long newId() {
    long id;
    do {
      id = RANDOM.nextLong();
    } while (id == 0);
    return id;
  }

  /** PUBSUB NUMSUB: how many subscribers {@code channel} has. */
  static long subscribers(Connection c, String channel) {
    Jedis j = new Jedis(c);
    Long n = j.pubsubNumSub(channel).get(channel);
    return n == null ? 0 : n;
  }
}
