package dev.ipckit.redis;

import dev.ipckit.tests.ChannelConformanceSuite;
import dev.ipckit.tests.TransportFixture;
import java.util.UUID;

/**
 * The suite over {@code redis://?server=NAME} pairs. Pub/sub declares ORDERED (per publisher),
 * ONE_TO_MANY, CROSSES_HOSTS and CROSSES_PROCESSES; it is not LOSSLESS (at-most-once, gaps
 * reported), so the no-loss cases are skipped with that reason.
 */
class RedisPubSubConformanceTest extends ChannelConformanceSuite {
  @Override
  protected TransportFixture createFixture() throws Exception {
    String base = RedisForTests.uri();
    return new TransportFixture(new RedisTransport().capabilities()) {
      @Override
      public String serverUri(String options) {
        return base + "?" + (options.isEmpty() ? "" : options + "&") + "server=conformance-" + UUID.randomUUID();
      }
    };
  }
}
