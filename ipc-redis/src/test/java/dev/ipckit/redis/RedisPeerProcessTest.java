package dev.ipckit.redis;

import static dev.ipckit.redis.RedisPubSubTest.text;
import static org.junit.jupiter.api.Assertions.*;

import dev.ipckit.Channel;
import dev.ipckit.ChannelClosedException;
import dev.ipckit.ChannelServer;
import dev.ipckit.Channels;
import dev.ipckit.tests.ChildJvm;
import dev.ipckit.tests.PeerMain;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A pair whose client is another OS process. */
@Timeout(60)
class RedisPeerProcessTest {

  @Test
  void aKilledClientProcessIsNoticedWithinThePeerTimeout() throws Exception {
    String uri = RedisForTests.uri() + "?server=p" + Long.toHexString(ThreadLocalRandom.current().nextLong());
    try (ChannelServer server = Channels.listen(uri)) {
      Process child = ChildJvm.start(PeerMain.class, server.uri(), "echo");
      try {
        Channel ch = server.accept(Duration.ofSeconds(30));
        assertNotNull(ch, "the child did not connect");
        ch.send(text("echo me"));
        assertEquals("echo me", text(ch.receive(Duration.ofSeconds(10))));

        child.destroyForcibly();
        long t0 = System.nanoTime();
        var e = assertThrows(ChannelClosedException.class, () -> ch.receive(Duration.ofSeconds(10)));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(e.getMessage().contains("peer lost"), e.getMessage());
        assertTrue(ms < 5000, "noticed after " + ms + " ms (default peerTimeout 3 s)");
      } finally {
        child.destroyForcibly();
        child.waitFor(10, TimeUnit.SECONDS);
      }
    }
  }
}
