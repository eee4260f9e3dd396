package dev.ipckit.redis;

import dev.ipckit.Channel;
import dev.ipckit.ChannelOptions;
import dev.ipckit.ChannelServer;
import dev.ipckit.redis.internal.Backlog;
import dev.ipckit.redis.internal.Closing;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the pub/sub and the stream server share: the channels of their clients by client id
 * {@code K}, and the backlog that {@link #accept} takes them from. A subclass registers a client
 * that said hello with {@link #add}; its close runs {@link #markClosed}, stops listening, then
 * {@link #closeChannels}.
 */
abstract class PairServer<K, C extends Channel> implements ChannelServer {
  /** Clients that said hello but were not accepted yet; more are told BYE at once. */
  static final int BACKLOG = 128;

  final String uri;
  final String display;
  /** The server's name: the {@code server} option. */
  final String name;
  final ChannelOptions common;
  final Map<K, C> byClient = new ConcurrentHashMap<>();
  private final Backlog backlog;
  volatile boolean closed;

  PairServer(String uri, String name, ChannelOptions common) {
    this.uri = uri;
    this.display = RedisEndpoint.redact(uri);
    this.backlog = new Backlog(display);
    this.name = name;
    this.common = common;
  }

  /** The backlog is full: a new client is told BYE. */
  final boolean backlogFull() {
    return backlog.waiting() >= BACKLOG;
  }

  /** Client {@code client}'s channel waits for accept. */
  final void add(K client, C ch) {
    byClient.put(client, ch);
    backlog.add(ch);
  }

  /** What an accepted channel runs when it closes. */
  final void remove(K client, C ch) {
    byClient.remove(client, ch);
    backlog.remove(ch);
  }

  /** Marks the server closed, so that no new client is taken; false if it was closed already. */
  final boolean markClosed() {
    if (closed) {
      return false;
    }
    closed = true;
    return true;
  }

  /** Closes the clients' channels (each says BYE) and drops those not accepted yet. */
  final void closeChannels() {
    for (C c : byClient.values()) {
      Closing.quietly(c);
    }
    backlog.close();
  }

  @Override
  public final String uri() {
    return uri;
  }

  @Override
  public final Channel accept(Duration timeout) throws IOException {
    return backlog.accept(timeout);
  }

  @Override
  public final List<Channel> channels() {
    return backlog.channels();
  }

  @Override
  public String toString() {
    return getClass().getSimpleName() + "[" + display + "]";
  }
}
