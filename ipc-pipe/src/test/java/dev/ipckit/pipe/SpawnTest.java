package dev.ipckit.pipe;

import static org.junit.jupiter.api.Assertions.*;

import dev.ipckit.Channel;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class SpawnTest {

  static String text(ByteBuffer b) {
    return StandardCharsets.UTF_8.decode(b).toString();
  }

  static ByteBuffer bytes(String s) {
    return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void forkedJavaChildExchangesMessagesAndExitsWithItsCode() throws Exception {
    long t0 = System.nanoTime();
    try (ChildProcess child = Spawn.java(ChildMain.class, "echo").jvmArgs(ChildMain.FAST_JVM).start()) {
      Channel ch = child.channel();
      System.out.println("handshake after " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) + " ms");
      ch.send(bytes("hello"));
      assertEquals("hello", text(ch.receive(Duration.ofSeconds(10))));
      assertEquals(child.pid(), ch.peerCredentials().orElseThrow().pid());
      ch.send(bytes("creds"));
      String[] creds = text(ch.receive(Duration.ofSeconds(10))).split(" ");
      assertEquals(ProcessHandle.current().pid(), Long.parseLong(creds[0]), "the child sees this process as its peer");
      ch.send(bytes("exit 7"));
      assertEquals("bye", text(ch.receive(Duration.ofSeconds(10))));
      assertEquals(ExitStatus.exited(7), child.exit().get(20, TimeUnit.SECONDS));
      assertEquals(7, child.exitValue());
    }
    System.out.println("total " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) + " ms");
  }
}
