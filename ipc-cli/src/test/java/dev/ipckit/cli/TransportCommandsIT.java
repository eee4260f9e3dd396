package dev.ipckit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code ./ipc listen}, {@code send} and {@code echo} against each other over every transport with
 * a server side, each command its own process. The scratch directory (socket file, queues) must be
 * empty once the commands have ended: a server stopped by SIGTERM still cleans up after itself.
 */
@Timeout(120)
class TransportCommandsIT {
  private static final Duration START = Duration.ofSeconds(60);
  private static RedisServer redis;

  private Path dir;

  @BeforeEach
  void scratch() throws IOException {
    dir = Files.createTempDirectory("ipc-cli-it-");
  }

  @AfterEach
  void removeScratch() throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(f);
      }
    }
  }

  @AfterAll
  static void stopRedis() throws Exception {
    if (redis != null) {
      redis.close();
    }
  }

  /** A fresh URI a server of {@code scheme} can listen on. */
  private String uri(String scheme) throws Exception {
    return switch (scheme) {
      case "tcp" -> "tcp://127.0.0.1:0"; // the server prints the port it bound
      case "unix" -> "unix://" + dir.resolve("s.sock");
      case "shm" -> "shm:" + dir.resolve("q");
      case "redis" -> redis().uri() + "?server=ipc-cli-" + UUID.randomUUID();
      default -> throw new IllegalArgumentException(scheme);
    };
  }

  private static synchronized RedisServer redis() throws Exception {
    if (redis == null) {
      redis = RedisServer.start();
    }
    return redis;
  }

  @ParameterizedTest
  @ValueSource(strings = {"tcp", "unix", "shm", "redis"})
  void sendReachesListen(String scheme) throws Exception {
    try (IpcScript.Running listen = IpcScript.start("listen", "--count", "3", uri(scheme))) {
      String bound = listen.awaitStderr("listening on (\\S+)", START);

      IpcScript.Result sent = IpcScript.run("send", bound, "one", "two words", "grüß\t🎉");
      assertEquals(0, sent.exitCode(), sent::toString);

      IpcScript.Result heard = listen.await(START);
      assertEquals(0, heard.exitCode(), heard::toString);
      assertEquals("one\ntwo words\ngrüß\\t🎉\n", heard.stdout(), heard::toString);
      assertTrue(heard.stderr().contains("client connected: "), heard::toString);
    }
    assertScratchEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"tcp", "unix", "shm", "redis"})
  void echoAnswersEachMessage(String scheme) throws Exception {
    try (IpcScript.Running echo = IpcScript.start("echo", uri(scheme))) {
      String bound = echo.awaitStderr("listening on (\\S+)", START);

      IpcScript.Result answered = IpcScript.run("send", "--reply", bound, "ping", "", "grüß 🎉");
      assertEquals(0, answered.exitCode(), answered::toString);
      assertEquals("ping\n\ngrüß 🎉\n", answered.stdout(), answered::toString);
    }
    assertScratchEmpty();
  }

  private void assertScratchEmpty() throws IOException {
    try (Stream<Path> left = Files.list(dir)) {
      List<Path> files = left.toList();
      assertTrue(files.isEmpty(), "left behind: " + files);
    }
  }
}
