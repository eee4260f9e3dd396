package dev.ipckit.redis;

import dev.ipckit.ChannelOptions;
import dev.ipckit.IpcException;
import dev.ipckit.redis.internal.Frame;
import dev.ipckit.redis.internal.Publisher;
import dev.ipckit.redis.internal.Subscriber;
import java.io.IOException;

/**
 * An ipckit server on Redis pub/sub ({@code redis://host/0?server=NAME}): it subscribes to the
 * Redis channel NAME. A client ({@link RedisTransport#open} with the same URI) subscribes to its
 * private reply channel {@code NAME:<client id>} and publishes a HELLO to NAME; the server then
 * has a channel for that client, which {@link #accept} returns. Everything a client sends goes to
 * NAME, told apart by the publisher id in its header; everything the server sends it goes to the
 * client's reply channel. Both ends send heartbeats and say BYE on close (docs/REDIS.md).
 *
 * <p>One subscriber thread and one publisher thread serve every client of the server. A client
 * whose messages are not read fast enough loses the newest ones (reported as a gap) rather than
 * holding up the others.
 */
public final class RedisPubSubServer extends PairServer<Long, RedisPubSubChannel> {
  private final PubSubOptions options;
  private final Publisher publisher;
  private final Subscriber subscriber;
  // the client of the last frame and its channel (subscriber thread only): a busy client's frames
  // skip the map lookup
  private long lastClient;
  private RedisPubSubChannel lastChannel;

  RedisPubSubServer(String uri, RedisEndpoint endpoint, ChannelOptions common, PubSubOptions options)
      throws IpcException {
    super(uri, options.server(), common);
    this.options = options;
    this.publisher = RedisTransport.publisher(endpoint, display, "server-" + name, common, options);
    long listeners;
    try (var c = endpoint.connect()) {
      listeners = RedisTransport.subscribers(c, name);
    } catch (RuntimeException e) {
      publisher.close();
      throw new IpcException("cannot reach Redis at " + endpoint + " for " + display + ": " + e.getMessage(), e);
    }
    if (listeners > 0) {
      publisher.close();
      throw new IpcException("address in use: Redis channel '" + name + "' at " + endpoint + " already has "
          + listeners + " subscriber(s); another server listens there");
    }
    this.subscriber = new Subscriber(endpoint, display, "ipckit-redis-sub-server-" + name, name, false,
        new Subscriber.Listener() {
          @Override
          public void onMessage(byte[] message) {
            dispatch(message);
          }

          @Override
          public void onSubscribed(boolean again) {
            byClient.values().forEach(RedisPubSubChannel::resubscribed);
          }
        }, options.backoff(), options.maxBackoff(), options.peerTimeout());
    try {
      subscriber.start(common.connectTimeout());
    } catch (IpcException e) {
      publisher.close();
      throw e;
    }
    publisher.ticker(now -> {
      subscriber.ping(now);
      byClient.values().forEach(ch -> ch.tick(now));
    });
  }

  private void dispatch(byte[] message) {
    byte kind = Frame.kind(message);
    if (kind == 0) {
      return; // not from an ipckit client: nobody to deliver it to
    }
    long client = Frame.publisher(message);
    RedisPubSubChannel ch = lastChannel != null && lastClient == client && !lastChannel.isClosed()
        ? lastChannel : byClient.get(client);
    if (ch != null) {
      lastClient = client;
      lastChannel = ch;
      ch.deliver(message);
      return;
    }
    if (kind != Frame.HELLO || closed) {
      return; // a client this server does not know (closed, timed out, or from before a restart)
    }
    String replyTo = RedisTransport.replyChannel(name, client);
    if (backlogFull()) {
      publisher.control(replyTo.getBytes(java.nio.charset.StandardCharsets.UTF_8),
          Frame.control(Frame.BYE, RedisTransport.newId(), 0));
      return;
    }
    RedisPubSubChannel[] self = new RedisPubSubChannel[1];
    self[0] = new RedisPubSubChannel(uri, display, common, options, RedisPubSubChannel.Role.ACCEPTED,
        RedisTransport.newId(), replyTo, publisher, subscriber::isSubscribed, () -> remove(client, self[0]));
    add(client, self[0]);
  }

  @Override
  public void close() throws IOException {
    if (!markClosed()) {
      return;
    }
    subscriber.close();
    closeChannels();
    publisher.close(common.sendTimeout().toNanos());
  }
}
