package dev.ipckit.redis;

import dev.ipckit.tests.ChannelConformanceSuite;
import dev.ipckit.tests.TransportFixture;
import java.util.UUID;

/**
 * The suite over {@code redis-stream://?server=NAME} pairs: two streams per client, read by
 * consumer groups. Streams declare ORDERED, LOSSLESS, DURABLE, ONE_TO_MANY, CROSSES_HOSTS and
 * CROSSES_PROCESSES; only the byte-stream cases are skipped.
 */
class RedisStreamConformanceTest extends ChannelConformanceSuite {
  @Override
  protected TransportFixture createFixture() throws Exception {
    String base = RedisForTests.uri().replaceFirst("^redis", "redis-stream");
    return new TransportFixture(new RedisStreamTransport().capabilities()) {
      @Override
      public String serverUri(String options) {
        return base + "?" + (options.isEmpty() ? "" : options + "&") + "server=conformance-" + UUID.randomUUID();
      }
    };
  }
}
