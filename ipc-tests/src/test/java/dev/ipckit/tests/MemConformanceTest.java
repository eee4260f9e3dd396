package dev.ipckit.tests;

import dev.ipckit.mem.MemTransport;
import java.util.UUID;

/** The suite against the in-memory reference transport: what fails here is the suite's fault. */
class MemConformanceTest extends ChannelConformanceSuite {
  @Override
  protected TransportFixture createFixture() {
    return new TransportFixture(new MemTransport().capabilities()) {
      @Override
      public String serverUri(String options) {
        String name = "conformance-" + UUID.randomUUID();
        return "mem:" + name + (options.isEmpty() ? "" : "?" + options);
      }
    };
  }
}
