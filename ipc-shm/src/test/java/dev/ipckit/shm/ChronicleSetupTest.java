package dev.ipckit.shm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** What a user of shm: sees of Chronicle: no analytics, no banner, no files at home, clear errors. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ChronicleSetupTest {
  @TempDir
  Path tmp;

  @Test
  void theBuildGivesTestsAndChildrenExactlyTheFlagsTheCodeAsksFor() {
    String fromPom = System.getProperty(ShmTestSupport.FLAGS_PROPERTY);
    assertTrue(fromPom != null && !fromPom.isBlank(),
        "surefire sets " + ShmTestSupport.FLAGS_PROPERTY + " from the root pom's chronicle.jvm.flags");
    assertEquals(Set.copyOf(ShmTransport.requiredJvmFlags()), Set.copyOf(ShmTestSupport.childJvmFlags()),
        "the root pom's chronicle.jvm.flags and ChronicleRuntime.REQUIRED_FLAGS must agree");
  }

  @Test
  void withTheFlagsChronicleRunsSilentlyAndWritesNothingAtHome() throws Exception {
    Path home = Files.createDirectory(tmp.resolve("home"));
    List<String> jvm = new ArrayList<>(ShmTestSupport.childJvmFlags());
    jvm.add("-Duser.home=" + home);
    String out = run(jvm, tmp.resolve("server").toString());
    assertTrue(out.contains("ok"), out);
    assertTrue(out.contains("chronicle.analytics.disable=true"), out);
    assertTrue(out.contains("chronicle.announcer.disable=true"), out);
    assertEquals(List.of("ok", "chronicle.analytics.disable=true", "chronicle.announcer.disable=true"),
        out.lines().filter(l -> !l.startsWith("SLF4J")).toList(), "nothing else on the console (no banner)");
    ShmTestSupport.assertNothingLeftIn(home);
    assertFalse(Files.exists(tmp.resolve("server")), "the probe's server removed its directory");
  }

  @Test
  void withoutTheFlagsTheErrorNamesThemInsteadOfAStackTraceFromChronicle() throws Exception {
    String out = run(List.of(), tmp.resolve("server").toString());
    assertTrue(out.contains("failed dev.ipckit.TransportUnavailableException"), out);
    for (String flag : ShmTransport.requiredJvmFlags()) {
      assertTrue(out.contains(flag), "the error names " + flag + ":\n" + out);
    }
    assertFalse(out.contains("net.openhft"), "no stack trace from inside Chronicle:\n" + out);
    assertFalse(Files.exists(tmp.resolve("server")), "nothing was created before the check failed");
  }

  private String run(List<String> jvmArgs, String dir) throws Exception {
    File log = tmp.resolve("probe.log").toFile();
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmArgs);
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), SetupProbe.class.getName(), dir));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log).start();
    assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the probe JVM hangs");
    String out = Files.readString(log.toPath(), StandardCharsets.UTF_8);
    Files.delete(log.toPath());
    return out;
  }
}
