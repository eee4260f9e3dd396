package dev.ipckit.pipe;

import dev.ipckit.tests.ProcessTable;
import static org.junit.jupiter.api.Assertions.*;

import dev.ipckit.Channel;
import dev.ipckit.tests.ProcessTable;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class SpawnTest {
  @TempDir Path dir;

  static String text(ByteBuffer b) {
    return StandardCharsets.UTF_8.decode(b).toString();
  }

  static ByteBuffer bytes(String s) {
    return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void forkedJavaChildExchangesMessagesAndExitsWithItsCode() throws Exception {
    try (ChildProcess child = Spawn.java(ChildMain.class, "echo").jvmArgs(ChildMain.FAST_JVM).start()) {
      Channel ch = child.channel();
      ch.send(bytes("hello"));
      assertEquals("hello", text(ch.receive(Duration.ofSeconds(10))));
      assertEquals(child.pid(), ch.peerCredentials().orElseThrow().pid());
      ch.send(bytes("creds"));
      String[] creds = text(ch.receive(Duration.ofSeconds(10))).split(" ");
      assertEquals(ProcessHandle.current().pid(), Long.parseLong(creds[0]), "the child's peer is this process");
      ch.send(bytes("exit 7"));
      assertEquals("bye", text(ch.receive(Duration.ofSeconds(10))));
      assertEquals(ExitStatus.exited(7), child.exit().get(20, TimeUnit.SECONDS));
      assertEquals(7, child.exitValue());
      assertFalse(child.isAlive());
      assertFalse(child.kill(Signal.TERM), "an exited child is not signalled");
    }
  }

  @Test
  void closingTheChannelEndsAChildThatReadsIt() throws Exception {
    ChildProcess child = Spawn.java(ChildMain.class, "echo").jvmArgs(ChildMain.FAST_JVM).start();
    child.channel().send(bytes("ping"));
    assertEquals("ping", text(child.channel().receive(Duration.ofSeconds(10))));
    child.close();
    assertEquals(ExitStatus.exited(0), child.exit().get(20, TimeUnit.SECONDS));
    child.close(); // idempotent
  }

  @Test
  void aCommandThatDoesNotExistIsACleanError() {
    SpawnException e = assertThrows(SpawnException.class, () -> Spawn.command("ipckit-no-such-command").start());
    assertTrue(e.getMessage().contains("'ipckit-no-such-command': command not found in PATH"), e.getMessage());
    e = assertThrows(SpawnException.class, () -> Spawn.command(dir.resolve("nothing").toString()).start());
    assertTrue(e.getMessage().endsWith("no such file"), e.getMessage());
  }

  @Test
  void aFileThatIsNotExecutableIsACleanError() throws Exception {
    Path f = Files.writeString(dir.resolve("data.txt"), "not a program");
    SpawnException e = assertThrows(SpawnException.class, () -> Spawn.command(f.toString()).start());
    assertTrue(e.getMessage().contains("permission denied"), e.getMessage());
  }

  @Test
  void aMainClassThatDoesNotExistIsACleanError() {
    SpawnException e = assertThrows(SpawnException.class, () -> Spawn.java("dev.ipckit.NoSuchMain").start());
    assertTrue(e.getMessage().contains("cannot fork dev.ipckit.NoSuchMain: main class not found on the class path"),
        e.getMessage());
    e = assertThrows(SpawnException.class, () -> Spawn.java("not a class").start());
    assertTrue(e.getMessage().contains("not a Java class name"), e.getMessage());
  }

  @Test
  void aMissingWorkingDirectoryIsACleanError() {
    SpawnException e = assertThrows(SpawnException.class,
        () -> Spawn.command("true").directory(dir.resolve("missing")).start());
    assertTrue(e.getMessage().contains("no such directory"), e.getMessage());
  }

  @Test
  void aJavaChildThatExitsBeforeOpeningItsChannelIsNamedWithItsExitCode() throws Exception {
    ChildProcess child = Spawn.java(ChildMain.class, "exit", "5").jvmArgs(ChildMain.FAST_JVM).start();
    SpawnException e = assertThrows(SpawnException.class, child::channel);
    assertTrue(e.getMessage().contains("exited (exit code 5) before it opened its channel"), e.getMessage());
    assertTrue(e.getMessage().contains("java " + ChildMain.class.getName() + " exit 5"), e.getMessage());
  }

  @Test
  void aCommandThatIgnoresItsChannelIsReportedWhenItExits() throws Exception {
    ChildProcess child = Spawn.command("sh", "-c", "exit 3").channel("fd").start();
    SpawnException e = assertThrows(SpawnException.class, child::channel);
    assertTrue(e.getMessage().contains("child " + child.pid() + " (sh -c exit 3) exited (exit code 3) before it "
        + "opened its channel to the parent (fd:3?parentPid="), e.getMessage());
  }

  @Test
  void aChildThatNeverOpensItsChannelTimesOutClearly() throws Exception {
    try (ChildProcess child = Spawn.command("sleep", "30").channel("fd?connectTimeout=300ms").start()) {
      SpawnException e = assertThrows(SpawnException.class, child::channel);
      assertTrue(e.getMessage().contains("did not open its channel within 300 ms"), e.getMessage());
      child.kill(Signal.KILL);
      assertEquals(ExitStatus.killed(9), child.exit().get(10, TimeUnit.SECONDS));
    }
  }

  @Test
  void badChannelSpecsAreRefused() {
    assertThrows(dev.ipckit.InvalidChannelUriException.class, () -> Spawn.command("true").channel("carrier-pigeon").start());
    assertThrows(dev.ipckit.InvalidChannelUriException.class, () -> Spawn.command("true").channel("fd?nosuch=1").start());
  }

  @Test
  void killDeliversTheSignalAndTheStatusNamesIt() throws Exception {
    ChildProcess child = Spawn.command("sleep", "30").start();
    assertTrue(child.isAlive());
    assertTrue(child.kill(Signal.TERM));
    ExitStatus s = child.exit().get(10, TimeUnit.SECONDS);
    assertEquals(ExitStatus.killed(15), s);
    assertEquals("killed by SIGTERM", s.toString());
    assertEquals(143, child.waitFor());
  }

  @Test
  void aTimeoutKillsTheChild() throws Exception {
    ChildProcess child = Spawn.command("sleep", "30").timeout(Duration.ofMillis(200)).killSignal(Signal.KILL).start();
    assertEquals(ExitStatus.killed(9), child.exit().get(10, TimeUnit.SECONDS));
  }

  @Test
  void pipedStdioCarriesBytesBothWays() throws Exception {
    ChildProcess child = Spawn.command("sh", "-c", "echo out; echo err >&2; cat").stdio(Stdio.PIPE).start();
    try (OutputStream in = child.getOutputStream()) {
      in.write("from parent\n".getBytes(StandardCharsets.UTF_8));
    }
    try (InputStream out = child.getInputStream(); InputStream err = child.getErrorStream()) {
      assertEquals("out\nfrom parent\n", new String(out.readAllBytes(), StandardCharsets.UTF_8));
      assertEquals("err\n", new String(err.readAllBytes(), StandardCharsets.UTF_8));
    }
    assertEquals(0, child.waitFor());
  }

  @Test
  void ignoredStdioIsDevNull() throws Exception {
    ChildProcess child = Spawn.command("sleep", "30").stdio(Stdio.IGNORE).start();
    try {
      for (int fd = 0; fd < 3; fd++) {
        assertEquals("/dev/null", Files.readSymbolicLink(Path.of("/proc/" + child.pid() + "/fd/" + fd)).toString());
      }
    } finally {
      child.kill(Signal.KILL);
      child.waitFor();
    }
  }

  @Test
  void theChildGetsStdioAndItsChannelAndNoOtherDescriptor() throws Exception {
    try (ChildProcess child = Spawn.command("sleep", "30").channel("fd").start()) {
      Set<String> fds;
      try (Stream<Path> s = Files.list(Path.of("/proc/" + child.pid() + "/fd"))) {
        fds = s.map(p -> p.getFileName().toString()).collect(Collectors.toCollection(TreeSet::new));
      }
      assertEquals(Set.of("0", "1", "2", "3"), fds);
      assertTrue(Files.readSymbolicLink(Path.of("/proc/" + child.pid() + "/fd/3")).toString().startsWith("socket:"));
      String env = Files.readString(Path.of("/proc/" + child.pid() + "/environ"));
      assertTrue(List.of(env.split("\0")).contains("IPCKIT_CHANNEL=fd:3?parentPid=" + ProcessHandle.current().pid()),
          env);
      child.kill(Signal.KILL);
      child.waitFor();
    }
  }

  @Test
  void aChannelVariableSetWithEnvReachesAChildWithoutAChannel() throws Exception {
    ChildProcess child = Spawn.command("sh", "-c", "echo \"$IPCKIT_CHANNEL\"")
        .env("IPCKIT_CHANNEL", "unix:///run/app/supervisor.sock").stdout(Stdio.PIPE).start();
    String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals("unix:///run/app/supervisor.sock\n", out);
    assertEquals(0, child.waitFor());
  }

  @Test
  void environmentAndDirectoryAreTheChildsOwn() throws Exception {
    ChildProcess child = Spawn.command("sh", "-c", "echo \"$GREETING\"; pwd")
        .env("GREETING", "grüß dich").directory(dir).stdout(Stdio.PIPE).start();
    String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals("grüß dich\n" + dir.toRealPath() + "\n", out);
    assertEquals(0, child.waitFor());
  }

  @Test
  void aDetachedChildLeadsANewSession() throws Exception {
    ChildProcess child = Spawn.command("sleep", "30").detached(true).start();
    try {
      String stat = Files.readString(Path.of("/proc/" + child.pid() + "/stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      assertEquals(String.valueOf(child.pid()), f[3], "session id"); // state ppid pgrp session
      assertEquals(String.valueOf(child.pid()), f[2], "process group");
    } finally {
      child.kill(Signal.KILL);
      child.waitFor();
    }
  }

  @Test
  void aProcessGroupIsKilledAsAWhole() throws Exception {
    ChildProcess child = Spawn.command("sh", "-c", "sleep 30 & echo $!; wait").processGroup(true)
        .stdout(Stdio.PIPE).start();
    String line = new java.io.BufferedReader(new java.io.InputStreamReader(child.getInputStream())).readLine();
    long grandchild = Long.parseLong(line.trim());
    assertTrue(ProcessTable.running(grandchild));
    assertTrue(child.kill(Signal.TERM));
    child.waitFor();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (ProcessTable.running(grandchild) && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertFalse(ProcessTable.running(grandchild), "the grandchild got the group's SIGTERM");
    child.close();
  }
}
