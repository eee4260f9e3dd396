package dev.ipckit.redis;

import static dev.ipckit.redis.RedisPubSubTest.text;
import static org.junit.jupiter.api.Assertions.*;

import dev.ipckit.Channel;
import dev.ipckit.ChannelUri;
import dev.ipckit.Channels;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import redis.clients.jedis.Connection;

/** ipckit and redis-cli on one Redis channel, both ways. */
@Timeout(30)
class RedisCliInteropTest {
  private static final Duration WAIT = Duration.ofSeconds(5);
  private String base;
  private String cli;
  private String name;

  @BeforeEach
  void setUp() throws Exception {
    base = RedisForTests.uri();
    cli = RedisForTests.redisCli();
    name = RedisForTests.uniqueName("cli");
  }

  private Process redisCli(String... args) throws Exception {
    List<String> cmd = new java.util.ArrayList<>(List.of(cli, "-u", base));
    cmd.addAll(List.of(args));
    return new ProcessBuilder(cmd).redirectErrorStream(true).start();
  }

  @Test
  void aMessagePublishedWithRedisCliReachesIpckit() throws Exception {
    try (Channel plain = Channels.open(base + "?plain=true&channel=" + name);
        Channel framed = Channels.open(base + "?channel=" + name)) {
      Process p = redisCli("PUBLISH", name, "hello from redis-cli");
      assertTrue(p.waitFor(10, TimeUnit.SECONDS));
      assertEquals("2", new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim(),
          "both ipckit channels were subscribed");
      assertEquals("hello from redis-cli", text(plain.receive(WAIT)));
      assertEquals("hello from redis-cli", text(framed.receive(WAIT)),
          "a message without ipckit's header is delivered as it is");
    }
  }

  @Test
  void aMessageFromIpckitIsSeenByRedisCliSubscribe() throws Exception {
    Process p = redisCli("SUBSCRIBE", name);
    try (Channel plain = Channels.open(base + "?plain=true&channel=" + name);
        Connection c = RedisEndpoint.from(ChannelUri.parse(base)).connect()) {
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (RedisTransport.subscribers(c, name) < 2) { // redis-cli and the ipckit channel itself
        assertTrue(System.nanoTime() < deadline, "redis-cli did not subscribe");
        Thread.sleep(20);
      }
      CompletableFuture<Boolean> seen = CompletableFuture.supplyAsync(() -> {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
          for (String line; (line = r.readLine()) != null; ) {
            if (line.equals("hello from ipckit")) {
              return true;
            }
          }
          return false;
        } catch (java.io.IOException e) {
          return false;
        }
      });
      plain.send(text("hello from ipckit"));
      assertTrue(seen.get(10, TimeUnit.SECONDS));
    } finally {
      p.destroy();
      if (!p.waitFor(5, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    }
  }
}
