package dev.ipckit.redis.session;

import static org.junit.jupiter.api.Assertions.*;

import dev.ipckit.redis.RedisForTests;
import dev.ipckit.tests.ChildJvm;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Sessions shared by separate worker processes (child JVMs) through a real Redis. */
@Timeout(180)
class SessionProcessTest {

  @Test
  void aSessionCreatedByOneProcessIsReadAndChangedByAnother() throws Exception {
    String uri = RedisForTests.uri();
    String created = runToEnd("create", uri);
    String id = created.lines().filter(l -> l.startsWith("ID ")).findFirst()
        .orElseThrow(() -> new AssertionError("no id from the creating process: " + created)).substring(3);
    String updated = runToEnd("update", uri, id);
    assertTrue(updated.contains("READ user=ada visits=1"), updated);

    try (SessionStore store = SessionStore.open(uri)) {
      assertEquals("ada", store.getString(id, "user").orElseThrow());
      assertTrue(store.getString(id, "seenBy").orElseThrow().startsWith("pid "));
      assertEquals(2, store.increment(id, "visits", 1));
      store.invalidate(id);
    }
  }

  @Test
  void fourProcessesTimesAThousandConcurrentIncrementsLoseNoUpdate() throws Exception {
    String uri = RedisForTests.uri();
    int processes = 4;
    int n = 1000;
    try (SessionStore store = SessionStore.open(uri)) {
      String id = store.create();
      List<Process> children = new ArrayList<>();
      List<File> logs = new ArrayList<>();
      try {
        for (int p = 0; p < processes; p++) {
          File log = ChildJvm.newLogFile(SessionWorker.class);
          logs.add(log);
          children.add(ChildJvm.start(SessionWorker.class, List.of(), log, "race", uri, id, "counter" + p,
              Integer.toString(n)));
        }
        for (int p = 0; p < processes; p++) {
          awaitLine(logs.get(p), "READY", children.get(p));
        }
        for (Process c : children) { // all start together
          OutputStream in = c.getOutputStream();
          in.write("go\n".getBytes(StandardCharsets.US_ASCII));
          in.flush();
        }
        for (int p = 0; p < processes; p++) {
          assertTrue(children.get(p).waitFor(120, TimeUnit.SECONDS), "worker " + p + " did not finish");
          assertEquals(0, children.get(p).exitValue(), Files.readString(logs.get(p).toPath()));
        }
      } finally {
        for (Process c : children) {
          c.destroyForcibly();
          c.waitFor(10, TimeUnit.SECONDS);
        }
      }
      var all = store.read(id).orElseThrow();
      for (int p = 0; p < processes; p++) {
        assertEquals(Integer.toString(n), text(all.get("counter" + p)), "counter" + p);
        assertEquals("done", text(all.get("last-counter" + p)));
      }
      assertEquals(Integer.toString(processes * n), text(all.get("shared")), "the same-attribute race");
      store.invalidate(id);
    }
  }

  private static String text(byte[] b) {
    return b == null ? null : new String(b, StandardCharsets.UTF_8);
  }

  private static void awaitLine(File log, String line, Process p) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      String s = Files.readString(log.toPath());
      if (s.lines().anyMatch(line::equals)) {
        return;
      }
      if (!p.isAlive()) {
        fail("worker exited before " + line + ": " + s);
      }
      Thread.sleep(20);
    }
    fail("no " + line + " within 60 s: " + Files.readString(log.toPath()));
  }

  private static String runToEnd(String... args) throws Exception {
    File log = ChildJvm.newLogFile(SessionWorker.class);
    Process p = ChildJvm.start(SessionWorker.class, List.of(), log, args);
    try {
      assertTrue(p.waitFor(60, TimeUnit.SECONDS), "worker " + args[0] + " did not finish");
      String out = Files.readString(log.toPath());
      assertEquals(0, p.exitValue(), out);
      return out;
    } finally {
      p.destroyForcibly();
    }
  }
}
