package dev.ipckit.shm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ipckit.Channel;
import dev.ipckit.ChannelServer;
import dev.ipckit.Channels;
import dev.ipckit.InvalidChannelUriException;
import dev.ipckit.IpcException;
import dev.ipckit.shm.internal.Queues;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** shm: logs: every reader sees every message; named readers resume; start; retention; clean-up. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ShmLogTest {
  @TempDir
  Path tmp;
  private final List<Channel> open = new ArrayList<>();
  private Process child;

  @AfterEach
  void closeDeleteAndCheck() throws Exception {
    if (child != null) {
      child.destroyForcibly();
      assertTrue(child.waitFor(10, TimeUnit.SECONDS));
    }
    for (Channel c : open) {
      c.close();
    }
    // logs are durable by default: the test removes them, then checks that nothing else is left
    Queues.deleteTree(tmp.resolve("log"));
    ShmTestSupport.assertNothingLeftIn(tmp);
  }

  private Channel log(String options) throws Exception {
    Channel c = Channels.open("shm:" + tmp.resolve("log") + "?" + options);
    open.add(c);
    return c;
  }

  private static void append(Channel c, int from, int to) throws Exception {
    for (int i = from; i < to; i++) {
      c.send(ByteBuffer.allocate(4).putInt(i).flip());
    }
  }

  private static void expect(Channel c, int from, int to) throws Exception {
    for (int i = from; i < to; i++) {
      ByteBuffer m = c.receive(Duration.ofSeconds(5));
      assertNotNull(m, "message " + i + " on " + c.uri());
      assertEquals(i, m.getInt(), "on " + c.uri());
    }
  }

  @Test
  void everyReaderSeesEveryMessageInTheOrderOfTheLog() throws Exception {
    Channel writer = log("log");
    Channel a = log("reader=a");
    Channel b = log("reader=b");
    append(writer, 0, 100);
    append(a, 100, 150); // any channel on the log appends to the same log
    expect(a, 0, 150);
    expect(b, 0, 150);
    expect(writer, 0, 150); // its own messages included
    assertNull(b.receive(Duration.ofMillis(50)));
  }

  @Test
  void aNamedReaderResumesAfterAClosedRestartWithNothingLostOrTwice() throws Exception {
    Channel writer = log("log");
    append(writer, 0, 100);
    Channel r = log("reader=billing");
    expect(r, 0, 40);
    r.close();
    append(writer, 100, 120);
    Channel again = log("reader=billing");
    expect(again, 40, 120);
    assertNull(again.receive(Duration.ofMillis(50)), "nothing twice");
    Channel other = log("reader=audit&start=end");
    expect(log("reader=billing&start=end"), 120, 120); // a saved position wins over start
    append(writer, 120, 121);
    expect(other, 120, 121);
  }

  @Test
  void aNamedReaderSigkilledInAnotherProcessResumesAtTheFirstMessageItDidNotReceive() throws Exception {
    Channel writer = log("log");
    append(writer, 0, 1000);
    child = ShmTestSupport.startChildPiped(LogReaderPeer.class, "shm:" + tmp.resolve("log") + "?reader=worker", "300");
    BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
    for (int i = 0; i < 300; i++) {
      assertEquals(String.valueOf(i), out.readLine(), "the child's message " + i);
    }
    assertEquals("held", out.readLine());
    child.destroyForcibly(); // SIGKILL: it never closed its channel
    assertTrue(child.waitFor(10, TimeUnit.SECONDS));
    append(writer, 1000, 1100);
    Channel resumed = log("reader=worker");
    expect(resumed, 300, 1100);
    assertNull(resumed.receive(Duration.ofMillis(50)));
  }

  @Test
  void startAtTheEndOrAtAnIndex() throws Exception {
    ShmLogChannel writer = (ShmLogChannel) log("log");
    append(writer, 0, 10);
    long fifth = writer.lastWrittenIndex() - 5; // message 9 was the last: this is message 4
    Channel fromEnd = log("log&start=end");
    Channel fromIndex = log("reader=x&start=" + fifth);
    Channel fromHex = log("log&start=0x" + Long.toHexString(fifth));
    append(writer, 10, 12);
    expect(fromEnd, 10, 12);
    expect(fromIndex, 4, 12);
    expect(fromHex, 4, 12);
    assertEquals(writer.lastWrittenIndex(), ((ShmLogChannel) fromIndex).lastReadIndex());
    IpcException e = assertThrows(IpcException.class, () -> log("log&start=" + (writer.lastWrittenIndex() + 1000)));
    assertTrue(e.getMessage().contains("no such index"), e.getMessage());
    assertThrows(InvalidChannelUriException.class, () -> log("log&start=middle"));
    assertThrows(InvalidChannelUriException.class, () -> log("reader=no/slashes"));
  }

  @Test
  void retentionRemovesCyclesOlderThanRetainAsTheLogRolls() throws Exception {
    Channel writer = log("log&rollCycle=secondly&retain=1s");
    long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(4500);
    int i = 0;
    while (System.nanoTime() < end) {
      append(writer, i, i + 1);
      i++;
      Thread.sleep(20);
    }
    List<Path> cycles = cycleFiles(tmp.resolve("log"));
    assertTrue(cycles.size() >= 1 && cycles.size() <= 4, "4.5 s of secondly cycles with retain=1s left " + cycles);
    Channel reader = log("reader=late");
    ByteBuffer first = reader.receive(Duration.ofSeconds(2));
    assertNotNull(first);
    assertTrue(first.getInt() > 0, "the oldest cycles are gone");
  }

  @Test
  void deleteOnCloseRemovesTheLog() throws Exception {
    Channel c = log("log&deleteOnClose=true");
    append(c, 0, 10);
    assertTrue(Files.isDirectory(tmp.resolve("log")));
    c.close();
    assertFalse(Files.exists(tmp.resolve("log")));
  }

  @Test
  void aLogIsNotAServerAndAServerIsNotALog() throws Exception {
    assertThrows(InvalidChannelUriException.class, () -> Channels.listen("shm:" + tmp.resolve("log") + "?log"));
    try (ChannelServer server = Channels.listen("shm:" + tmp.resolve("server"))) {
      IpcException e = assertThrows(IpcException.class, () -> Channels.open(server.uri() + "?reader=x"));
      assertTrue(e.getMessage().contains("server's directory"), e.getMessage());
    }
  }

  @Test
  void aConnectionRemovesEachFileOfItsIncomingQueueOnceItHasReadPastIt() throws Exception {
    try (ChannelServer server = Channels.listen("shm:" + tmp.resolve("server") + "?rollCycle=secondly");
         Channel client = Channels.open(server.uri());
         Channel accepted = server.accept(Duration.ofSeconds(5))) {
      long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(3500);
      int i = 0;
      while (System.nanoTime() < end) {
        append(client, i, i + 1);
        expect(accepted, i, i + 1);
        i++;
        Thread.sleep(20);
      }
      Path incoming = ((ShmChannel) accepted).directory().resolve("to-server");
      List<Path> cycles = cycleFiles(incoming);
      assertTrue(cycles.size() <= 2, "3.5 s of secondly cycles, all read, left " + cycles);
    }
  }

  private static List<Path> cycleFiles(Path dir) throws Exception {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.toString().endsWith(".cq4")).sorted().toList();
    }
  }
}
