package dev.ipckit.pipe;

import dev.ipckit.tests.ProcessTable;
import static org.junit.jupiter.api.Assertions.*;

import dev.ipckit.pipe.internal.LibC;
import dev.ipckit.tests.ProcessTable;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A parent killed with SIGKILL leaves no orphans: its children, which opened their channels,
 * exit by themselves within 2 s. This JVM makes itself a child subreaper for the test so that the
 * orphans come to it (rather than to PID 1, which may never reap them) and their exit codes can
 * be checked.
 */
class OrphanTest {

  @Test
  @Timeout(120)
  void childrenOfAParentKilledWithSigkillExitWithinTwoSeconds() throws Exception {
    assertEquals(0, LibC.prctl(LibC.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0));
    List<Integer> grandchildren = new ArrayList<>();
    try (ChildProcess parent = Spawn.java(ChildMain.class, "parent", "3").jvmArgs(ChildMain.FAST_JVM).start()) {
      ByteBuffer pids = parent.channel().receive(Duration.ofSeconds(90));
      assertNotNull(pids, "the parent did not report its children");
      for (String p : StandardCharsets.UTF_8.decode(pids).toString().split(" ")) {
        grandchildren.add(Integer.parseInt(p));
      }
      for (int pid : grandchildren) {
        assertTrue(ProcessTable.running(pid), "child " + pid + " runs before its parent is killed");
      }

      assertTrue(parent.kill(Signal.KILL));
      long killed = System.nanoTime();
      assertEquals(ExitStatus.killed(9), parent.exit().get(10, TimeUnit.SECONDS));

      for (int pid : grandchildren) {
        int status = reap(pid, killed + TimeUnit.SECONDS.toNanos(2));
        assertTrue(status >= 0, "child " + pid + " still running 2 s after its parent was killed");
        assertEquals(ExitStatus.exited(Spawn.ORPHANED_EXIT_CODE), ExitStatus.fromWaitStatus(status), "child " + pid);
      }
    } finally {
      LibC.prctl(LibC.PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0);
      for (int pid : grandchildren) {
        LibC.kill(pid, 9);
        reap(pid, System.nanoTime() + TimeUnit.SECONDS.toNanos(5));
      }
    }
  }

  /** Reaps {@code pid} (an orphan handed to this subreaper) before {@code deadline}; its wait status, or -1. */
  private static int reap(int pid, long deadline) throws InterruptedException {
    int[] status = new int[1];
    while (true) {
      int r = LibC.waitpid(pid, status, LibC.WNOHANG);
      if (r == pid) {
        return status[0];
      }
      if (r < 0 && LibC.errno() != LibC.EINTR) {
        return -2; // not ours (any more)
      }
      if (System.nanoTime() > deadline) {
        return -1;
      }
      Thread.sleep(10);
    }
  }
}
