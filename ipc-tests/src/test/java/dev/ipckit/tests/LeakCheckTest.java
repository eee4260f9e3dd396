package dev.ipckit.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A leaked socket is named in the report: its descriptor, and what the kernel says it is. */
@Timeout(30)
class LeakCheckTest {
  @Test
  void aLeakedTcpConnectionIsNamedWithItsDescriptorAndEnds() throws Exception {
    assumeTrue(Files.isDirectory(Path.of("/proc/self/fd")), "descriptors are only counted on Linux");
    try (TransportFixture fixture = new MemConformanceTest().createFixture();
        ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      LeakCheck check = LeakCheck.snapshot();
      try (Socket client = new Socket()) {
        client.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort()));
        List<String> leaks = check.leaks(fixture);
        assertEquals(1, leaks.size(), "leaks: " + leaks);
        String leak = leaks.get(0);
        assertTrue(leak.startsWith("1 more open socket descriptor(s)"), leak);
        assertTrue(leak.matches("(?s).*fd \\d+ -> socket:\\[\\d+\\] \\(tcp6? local 127\\.0\\.0\\.1:\\d+ remote 127\\.0\\.0\\.1:"
            + server.getLocalPort() + " ESTABLISHED\\).*"), leak);
      }
      assertEquals(List.of(), check.leaks(fixture), "after the socket was closed");
    }
  }
}
