package dev.ipckit.cli;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;

/** A program some command tests need (redis-server, node): skipped without it locally, a failure under CI. */
final class RequiredTool {
  private RequiredTool() {}

  /** The executable {@code name} on the PATH. */
  static Path onPath(String name, String debianPackage) {
    for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      Path p = Path.of(d.isEmpty() ? "." : d, name);
      if (Files.isExecutable(p)) {
        return p;
      }
    }
    String why = name + " is not on the PATH (Debian/Ubuntu: apt-get install -y " + debianPackage + ")";
    if (System.getenv("CI") != null) {
      throw new AssertionError(why + "; CI must not skip these tests");
    }
    assumeTrue(false, why);
    return null;
  }
}
