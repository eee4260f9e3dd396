package dev.ipckit.bench;

import dev.ipckit.Channels;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;

/**
 * Channels through a Redis server: plain Jedis ({@code jedis}: pipelined PUBLISH, a plain
 * subscriber, see {@link JedisLink}) and ipckit's {@code redis://} pub/sub pair
 * ({@code ?server=}). The server is {@code --redis} / REDIS_URL, else a private one
 * ({@link BenchContext#redis()}).
 */
final class RedisRow extends ListeningRow {
  private final boolean raw;

  private RedisRow(String label, String baseline, boolean raw) {
    super(label, baseline);
    this.raw = raw;
  }

  static final RedisRow JEDIS = new RedisRow("jedis", null, true);
  static final RedisRow REDIS = new RedisRow("redis", "jedis", false);

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
      JedisLink link = JedisLink.parent(redis, name);
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
        public void close() {
          link.close();
        }
      };
    }
    return new IpckitListener(Channels.listen(redis + (redis.contains("?") ? "&" : "?") + "server=" + name));
  }

  @Override
  BenchLink peer(String address) throws IOException {
    if (raw) {
      int space = address.lastIndexOf(' ');
      return JedisLink.peer(address.substring(0, space), address.substring(space + 1));
    }
    return new IpckitLink(Channels.open(address));
  }
}
