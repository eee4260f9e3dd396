package dev.ipckit.pipe;

import dev.ipckit.tests.ProcessTable;
import static org.junit.jupiter.api.Assertions.*;

import dev.ipckit.Capability;
import dev.ipckit.Channel;
import dev.ipckit.Channels;
import dev.ipckit.TransportUnavailableException;
import dev.ipckit.tests.ProcessTable;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class PipeTransportTest {

  static ByteBuffer bytes(String s) {
    return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
  }

  static String text(ByteBuffer b) {
    return StandardCharsets.UTF_8.decode(b).toString();
  }

  @Test
  void aChildTalksOverItsStdinAndStdoutAndItsPrintsGoToStderr() throws Exception {
    int fdsBefore = ProcessTable.openFds();
    try (ChildProcess child = Spawn.java(ChildMain.class, "echo").jvmArgs(ChildMain.FAST_JVM).channel("pipe")
        .stderr(Stdio.PIPE).start()) {
      CompletableFuture<String> stderr = CompletableFuture.supplyAsync(() -> {
        try {
          return new String(child.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });
      Channel ch = child.channel();
      assertFalse(ch.capabilities().has(Capability.PEER_CREDENTIALS));
      assertTrue(ch.peerCredentials().isEmpty());
      ch.send(bytes("hello over a pipe"));
      assertEquals("hello over a pipe", text(ch.receive(Duration.ofSeconds(10))));
      ch.send(bytes("print"));
      assertEquals("printed", text(ch.receive(Duration.ofSeconds(10))));
      byte[] big = new byte[5 << 20];
      new java.util.Random(1).nextBytes(big);
      ch.send(big);
      ByteBuffer back = ch.receive(Duration.ofSeconds(20));
      assertEquals(ByteBuffer.wrap(big), back);
      ch.send(bytes("exit 4"));
      assertEquals("bye", text(ch.receive(Duration.ofSeconds(10))));
      assertEquals(ExitStatus.exited(4), child.exit().get(20, TimeUnit.SECONDS));
      assertTrue(stderr.get(10, TimeUnit.SECONDS).contains("printed to stdout"), "stdout went to stderr");
    }
    assertEquals(fdsBefore, ProcessTable.openFds(), "open descriptors");
  }

  @Test
  void pipeNeedsStdinAndStdoutAndHasNoServer() {
    assertThrows(IllegalStateException.class,
        () -> Spawn.java(ChildMain.class, "echo").channel("pipe").stdout(Stdio.PIPE).start());
    assertThrows(dev.ipckit.InvalidChannelUriException.class, () -> Channels.open("pipe:somewhere"));
    TransportUnavailableException e = assertThrows(TransportUnavailableException.class, () -> Channels.listen("pipe:"));
    assertTrue(e.getMessage().contains("pipe: has no server side"), e.getMessage());
  }

  @Test
  void aCommandThatExitsBeforeOpeningItsPipeIsNamed() throws Exception {
    ChildProcess child = Spawn.command("sh", "-c", "exit 2").channel("pipe").start();
    SpawnException e = assertThrows(SpawnException.class, child::channel);
    assertTrue(e.getMessage().contains("exited (exit code 2) before it opened its channel to the parent (pipe:"),
        e.getMessage());
  }

  @Test
  void aChildThatWritesGarbageOnStdoutIsNotAnIpckitPeer() throws Exception {
    ChildProcess child = Spawn.command("sh", "-c", "echo 'this is not a hello at all'; sleep 5").channel("pipe").start();
    try {
      SpawnException e = assertThrows(SpawnException.class, child::channel);
      assertTrue(e.getMessage().contains("does not speak ipckit on its channel"), e.getMessage());
    } finally {
      child.kill(Signal.KILL);
      child.waitFor();
    }
  }

  @Test
  void stdinThatIsNotAPipeIsRefused() throws Exception {
    ChildProcess child = Spawn.java(ChildMain.class, "open", "pipe:").jvmArgs(ChildMain.FAST_JVM)
        .stdin(Stdio.IGNORE).stdout(Stdio.PIPE).start();
    String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(1, child.waitFor());
    assertTrue(out.contains("cannot open pipe:: stdin is /dev/null, not a pipe"), out);
    child.close();
  }
}
