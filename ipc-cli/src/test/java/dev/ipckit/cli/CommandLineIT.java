package dev.ipckit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The {@code ./ipc} command line itself: help, its errors and exit codes, stdin and hex, Node. */
@Timeout(120)
class CommandLineIT {

  @Test
  void helpListsTheCommands() throws Exception {
    IpcScript.Result r = IpcScript.run("--help");
    assertEquals(0, r.exitCode(), r::toString);
    for (String command : List.of("bench", "send", "listen", "echo")) {
      assertTrue(r.stdout().contains("\n  " + command + " "), command + " missing from\n" + r);
    }
  }

  @Test
  void aBadUriIsOneLineAndExitCode2() throws Exception {
    IpcScript.Result r = IpcScript.run("send", "no-scheme-here", "hi");
    assertEquals(2, r.exitCode(), r::toString);
    assertOneLineWithoutStackTrace(r);
    assertTrue(r.stderr().startsWith("ipc send: invalid channel URI 'no-scheme-here': no scheme"), r::toString);

    IpcScript.Result port = IpcScript.run("listen", "tcp://127.0.0.1:notaport");
    assertEquals(2, port.exitCode(), port::toString);
    assertOneLineWithoutStackTrace(port);
    assertTrue(port.stderr().contains("notaport"), port::toString);
  }

  @Test
  void anUnknownSchemeListsTheKnownOnes() throws Exception {
    IpcScript.Result r = IpcScript.run("echo", "carrier-pigeon://coop");
    assertEquals(2, r.exitCode(), r::toString);
    assertOneLineWithoutStackTrace(r);
    assertTrue(r.stderr().contains("unknown scheme 'carrier-pigeon'"), r::toString);
    for (String scheme : List.of("fd", "pipe", "redis", "shm", "tcp", "unix")) {
      assertTrue(r.stderr().contains(scheme), scheme + " not listed:\n" + r);
    }
  }

  @Test
  void aPeerThatIsNotThereIsOneLineAndExitCode1() throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = s.getLocalPort();
    }
    IpcScript.Result r = IpcScript.run("send", "tcp://127.0.0.1:" + closedPort, "hi");
    assertEquals(1, r.exitCode(), r::toString);
    assertOneLineWithoutStackTrace(r);
    assertTrue(r.stderr().contains("127.0.0.1:" + closedPort), r::toString);

    IpcScript.Result verbose = IpcScript.run("send", "--verbose", "tcp://127.0.0.1:" + closedPort, "hi");
    assertEquals(1, verbose.exitCode(), verbose::toString);
    assertTrue(verbose.stderr().contains("\tat dev.ipckit."), "--verbose shows the stack trace:\n" + verbose);
  }

  @Test
  void stdinLinesAsHexToAListenerPrintingHex() throws Exception {
    try (IpcScript.Running listen = IpcScript.start("listen", "--hex", "--count", "3", "tcp://127.0.0.1:0")) {
      String bound = listen.awaitStderr("listening on (\\S+)", Duration.ofSeconds(60));

      IpcScript.Result sent = IpcScript.run(Duration.ofSeconds(60), "00ff0a\n\n68 69\n", "send", "--hex", bound);
      assertEquals(0, sent.exitCode(), sent::toString);

      IpcScript.Result heard = listen.await(Duration.ofSeconds(60));
      assertEquals(0, heard.exitCode(), heard::toString);
      assertEquals("00ff0a\n\n6869\n", heard.stdout(), heard::toString);
    }
  }

  @Test
  void echoUnderANodeParentAnswersProcessSend() throws Exception {
    Path node = RequiredTool.onPath("node", "nodejs");
    Path script = Path.of(CommandLineIT.class.getResource("/node/echo-parent.js").toURI());
    Process p = IpcScript.builder(List.of(node.toString(), script.toString(), IpcScript.SCRIPT.toString()), false)
        .redirectErrorStream(true).start();
    try {
      String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      assertEquals(0, p.waitFor(), out);
      assertTrue(out.contains("ok 5"), out);
    } finally {
      p.destroyForcibly();
      p.descendants().forEach(ProcessHandle::destroyForcibly);
    }
  }

  private static void assertOneLineWithoutStackTrace(IpcScript.Result r) {
    assertEquals(1, r.stderr().lines().count(), "one line on stderr:\n" + r);
    assertFalse(r.stderr().contains("Exception"), r::toString);
    assertFalse(r.stderr().contains("\tat "), r::toString);
    assertEquals("", r.stdout(), r::toString);
  }
}
