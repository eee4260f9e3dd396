package dev.ipckit.redis;

import dev.ipckit.Channel;
import dev.ipckit.ChannelUri;
import dev.ipckit.tests.ChannelConformanceSuite;
import dev.ipckit.tests.TransportFixture;
import java.util.UUID;
import redis.clients.jedis.CommandArguments;
import redis.clients.jedis.Connection;
import redis.clients.jedis.Protocol;

/**
 * The suite over {@code redis-stream://?server=NAME} pairs: two streams per client, read by
 * consumer groups. Streams declare ORDERED, LOSSLESS, DURABLE, ONE_TO_MANY, CROSSES_HOSTS and
 * CROSSES_PROCESSES; only the byte-stream cases are skipped.
 *
 * <p>Durable logs are stream channels on a stream of their own: a named reader is a consumer
 * group of that name with one consumer of the same name, so it sees every entry and, reopened,
 * resumes with its own pending entries and then the group's position.
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

      @Override
      public String newLog() {
        String stream = "conformance-log-" + UUID.randomUUID();
        closeLater(() -> unlink(base, stream)); // a log outlives its channels; registered first, removed last
        return base + "?stream=" + stream;
      }

      @Override
      public String logWriterUri(String log) {
        return log + "&receive=false";
      }

      @Override
      public String logReaderUri(String log, String name, String start) {
        String from = switch (start) {
          case START_BEGINNING -> "first";
          case START_END -> "new";
          default -> start; // an entry id from lastReadPosition: the group starts AT it
        };
        return log + "&group=" + name + "&consumer=" + name + "&start=" + from;
      }

      @Override
      public String lastReadPosition(Channel reader) {
        return ((RedisStreamChannel) reader).lastDeliveredId();
      }

      /**
       * The last message the killed reader returned was not acknowledged: redis-stream
       * acknowledges a message when the application comes back for the next one (at-least-once),
       * so a reader that dies while handling it gets it again.
       */
      @Override
      public int unacknowledgedRedeliveredAfterCrash() {
        return 1;
      }
    };
  }

  private static void unlink(String base, String stream) throws Exception {
    try (Connection c = RedisEndpoint.from(ChannelUri.parse(base)).connect()) {
      c.executeCommand(new CommandArguments(Protocol.Command.UNLINK).add(stream));
    }
  }
}
