package dev.ipckit.shm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ipckit.tests.ChildJvm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

/** What the shm: tests share: child JVMs started with Chronicle's flags, and the leftover check. */
final class ShmTestSupport {
  /** Set by the surefire configuration from the root pom's {@code chronicle.jvm.flags}. */
  static final String FLAGS_PROPERTY = "ipckit.shm.childJvmFlags";

  private ShmTestSupport() {}

  /** The flags the build gives this JVM, for its children: the pom's property. */
  static List<String> childJvmFlags() {
    String flags = System.getProperty(FLAGS_PROPERTY);
    if (flags == null || flags.isBlank()) {
      return ShmTransport.requiredJvmFlags(); // run from an IDE without the build's configuration
    }
    return Arrays.asList(flags.trim().split("\\s+"));
  }

  /** Starts {@code main} in a child JVM with the flags Chronicle needs. */
  static Process startChild(Class<?> main, String... args) throws IOException {
    return ChildJvm.start(main, childJvmFlags(), args);
  }

  /** Starts {@code main} with Chronicle's flags; its standard output is the process's input stream. */
  static Process startChildPiped(Class<?> main, String... args) throws IOException {
    List<String> cmd = new java.util.ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx256m");
    cmd.addAll(childJvmFlags());
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
    cmd.addAll(List.of(args));
    return new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
  }

  /** Fails if anything is left under {@code dir} (queue files, control blocks, directories). */
  static void assertNothingLeftIn(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      assertEquals(List.of(), s.filter(p -> !p.equals(dir)).map(Path::toString).toList(),
          "files left behind in " + dir);
    }
  }
}
