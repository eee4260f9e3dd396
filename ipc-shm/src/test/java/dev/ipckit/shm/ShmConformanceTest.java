package dev.ipckit.shm;

import dev.ipckit.tests.ChannelConformanceSuite;
import dev.ipckit.tests.TransportFixture;
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
    };
  }
}
