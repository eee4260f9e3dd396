package dev.ipckit.shm;

import dev.ipckit.Channel;
import dev.ipckit.shm.internal.Queues;
import dev.ipckit.tests.ChannelConformanceSuite;
import dev.ipckit.tests.TransportFixture;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** shm: through the conformance suite; its child JVMs get Chronicle's JVM flags. */
class ShmConformanceTest extends ChannelConformanceSuite {
  @Override
  protected TransportFixture createFixture() {
    return new TransportFixture(ShmTransport.CAPABILITIES) {
      private final AtomicInteger n = new AtomicInteger();

      @Override
      public String serverUri(String options) {
        return "shm:" + scratch().resolve("s" + n.incrementAndGet()) + (options.isEmpty() ? "" : "?" + options);
      }

      @Override
      protected List<String> childJvmArgs() {
        return ShmTestSupport.childJvmFlags();
      }

      @Override
      public String newLog() {
        Path dir = scratch().resolve("log" + n.incrementAndGet());
        closeLater(() -> Queues.deleteTree(dir)); // a log outlives its channels; registered first, removed last
        return "shm:" + dir;
      }

      @Override
      public String logWriterUri(String log) {
        return log + "?log";
      }

      @Override
      public String logReaderUri(String log, String name, String start) {
        return log + "?reader=" + name + "&start=" + start;
      }

      @Override
      public String lastReadPosition(Channel reader) {
        return "0x" + Long.toHexString(((ShmLogChannel) reader).lastReadIndex());
      }
    };
  }
}
