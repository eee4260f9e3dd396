package dev.ipckit.pipe;

import dev.ipckit.tests.ProcessTable;
import static org.junit.jupiter.api.Assertions.*;

import dev.ipckit.Channel;
import dev.ipckit.tests.ProcessTable;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** 200 forked children, each exchanging a message and exiting: no zombie, no descriptor, no thread left. */
class ManyChildrenTest {
  private static final int CHILDREN = 200;
  private static final int AT_ONCE = 3;

  @Test
  @Timeout(600)
  void twoHundredChildrenLeaveNoZombieNoDescriptorAndNoThread() throws Exception {
    // warm up the classes the first spawn loads (JNA, junixsocket) so they do not count as leaks
    runOne(-1);
    Thread.sleep(300);
    List<Long> childrenBefore = ProcessTable.children();
    int fdsBefore = ProcessTable.openFds();
    long threadsBefore = ipckitThreads();

    ExecutorService pool = Executors.newFixedThreadPool(AT_ONCE);
    try {
      List<Future<?>> runs = new ArrayList<>();
      for (int i = 0; i < CHILDREN; i++) {
        int n = i;
        runs.add(pool.submit(() -> {
          runOne(n);
          return null;
        }));
      }
      for (Future<?> f : runs) {
        f.get();
      }
    } finally {
      pool.shutdown();
      assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS));
    }

    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (System.nanoTime() < deadline && (ProcessTable.openFds() > fdsBefore || ipckitThreads() > threadsBefore
        || !ProcessTable.children().equals(childrenBefore))) {
      Thread.sleep(50);
    }
    assertEquals(childrenBefore, ProcessTable.children(), "this JVM's child processes (zombies included)");
    assertEquals(fdsBefore, ProcessTable.openFds(), "open sockets, pipes and anon inodes in /proc/self/fd");
    assertEquals(threadsBefore, ipckitThreads(), "live ipckit- threads");
  }

  private static void runOne(int n) throws Exception {
    try (ChildProcess child = Spawn.java(ChildMain.class, "echo").jvmArgs(ChildMain.FAST_JVM).start()) {
      Channel ch = child.channel();
      String m = "message " + n;
      ch.send(m.getBytes(StandardCharsets.UTF_8));
      ByteBuffer back = ch.receive(Duration.ofSeconds(30));
      assertNotNull(back, child + " did not answer");
      assertEquals(m, StandardCharsets.UTF_8.decode(back).toString());
      ch.send("exit 0".getBytes(StandardCharsets.UTF_8));
      assertEquals("bye", StandardCharsets.UTF_8.decode(ch.receive(Duration.ofSeconds(30))).toString());
      assertEquals(ExitStatus.exited(0), child.exit().get(30, TimeUnit.SECONDS), child.toString());
    }
  }

  private static long ipckitThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.isAlive() && t.getName().startsWith("ipckit-")).count();
  }
}
