package dev.ipckit.bench;

import dev.ipckit.Channels;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;

/**
 * Channels through a Redis server: plain Jedis pub/sub ({@code jedis}: pipelined PUBLISH, a plain
 * subscriber, see {@link JedisLink}) and ipckit's {@code redis://} pub/sub pair
 * ({@code ?server=}); plain Jedis streams ({@code jedis-stream}: pipelined XADD, XREADGROUP + XACK,
 * see {@link JedisStreamLink}) and ipckit's durable {@code redis-stream://} pair
 * ({@code ?server=}). The server is {@code --redis} / REDIS_URL, else a private one
 * ({@link BenchContext#redis()}).
 */
final class RedisRow extends ListeningRow {
  private final boolean raw;
  private final boolean stream;

  private RedisRow(String label, String baseline, boolean raw, boolean stream) {
    super(label, baseline);
    this.raw = raw;
    this.stream = stream;
  }

  static final RedisRow JEDIS = new RedisRow("jedis", null, true, false);
  static final RedisRow REDIS = new RedisRow("redis", "jedis", false, false);
  static final RedisRow JEDIS_STREAM = new RedisRow("jedis-stream", null, true, true);
  static final RedisRow REDIS_STREAM = new RedisRow("redis-stream", "jedis-stream", false, true);

  @Override
  Optional<String> unavailability(BenchContext ctx) {
    try {
      ctx.redis();
      return Optional.empty();
    } catch (IOException e) {
      return Optional.of("no Redis server (pass --redis URI or set REDIS_URL): " + e.getMessage());
    }
  }

  @Override
  Listener listen(BenchContext ctx) throws IOException {
    String redis = ctx.redis();
    String name = "ipc-bench-" + ProcessHandle.current().pid() + "-" + ctx.newPath("r", "").getFileName();
    if (raw) {
      BenchLink link = stream ? JedisStreamLink.parent(redis, name) : JedisLink.parent(redis, name);
      return new Listener() {
        @Override
        public String address() {
          return redis + " " + name;
        }

        @Override
        public BenchLink accept(Duration timeout) {
          return link;
        }

        @Override
        public void close() throws IOException {
          link.close();
        }
      };
    }
    return new IpckitListener(Channels.listen(ipckitUri(redis) + (redis.contains("?") ? "&" : "?") + "server=" + name));
  }

  /** The Redis URI with the scheme of this row's ipckit transport. */
  private String ipckitUri(String redis) {
    return stream ? redis.replaceFirst("^redis(s?)://", "redis$1-stream://") : redis;
  }

  @Override
  BenchLink peer(String address) throws IOException {
    if (raw) {
      int space = address.lastIndexOf(' ');
      return stream ? JedisStreamLink.peer(address.substring(0, space), address.substring(space + 1))
          : JedisLink.peer(address.substring(0, space), address.substring(space + 1));
    }
    return new IpckitLink(Channels.open(address));
  }
}
