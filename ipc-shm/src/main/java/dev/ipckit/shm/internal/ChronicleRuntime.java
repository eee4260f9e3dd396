package dev.ipckit.shm.internal;

import dev.ipckit.TransportUnavailableException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Gets the JVM ready for Chronicle Queue before any Chronicle class loads, and says clearly what
 * is missing when it cannot be. Not API.
 *
 * <p>This class must never refer to a Chronicle class: it runs first, so that Chronicle's usage
 * analytics (a network call and files in the home directory) and its start-up banner are off
 * before Chronicle reads those properties in its static initialisers.
 *
 * <table>
 *   <caption>System properties ipckit sets (unless already set)</caption>
 *   <tr><th>property</th><th>value</th><th>why</th></tr>
 *   <tr><td>chronicle.analytics.disable</td><td>true</td><td>no usage report over the network</td></tr>
 *   <tr><td>chronicle.announcer.disable</td><td>true</td><td>no banner on standard output</td></tr>
 *   <tr><td>disable.resource.warning</td><td>true</td><td>no warnings about queues closed by the
 *       garbage collector (ipckit closes its own)</td></tr>
 *   <tr><td>jna.tmpdir</td><td>java.io.tmpdir</td><td>JNA (loaded by Chronicle) unpacks its native
 *       library there and deletes it, instead of leaving ~/.cache/JNA in the home directory</td></tr>
 * </table>
 */
public final class ChronicleRuntime {
  /**
   * What Chronicle Queue needs from this JVM (JDK 17 and later; one more on 24+). The root pom's
   * {@code chronicle.jvm.flags} property holds the same list (a test checks that they agree).
   */
  public static final List<String> REQUIRED_FLAGS = requiredFlags();

  private static List<String> requiredFlags() {
    List<String> flags = new ArrayList<>(List.of(
        "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED",
        "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED",
        "--add-exports=jdk.unsupported/sun.misc=ALL-UNNAMED",
        "--add-opens=java.base/java.lang=ALL-UNNAMED",
        "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
        "--add-opens=java.base/java.io=ALL-UNNAMED",
        "--add-opens=java.base/java.util=ALL-UNNAMED",
        "--add-opens=java.base/java.nio=ALL-UNNAMED",
        "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
        "--enable-native-access=ALL-UNNAMED"));
    if (Runtime.version().feature() >= 24) {
      flags.add("--sun-misc-unsafe-memory-access=allow"); // JDK 17 rejects it; the root pom adds it on 24+
    }
    return List.copyOf(flags);
  }

  private static final String[][] PROPERTIES = {
      {"chronicle.analytics.disable", "true"},
      {"chronicle.announcer.disable", "true"},
      {"disable.resource.warning", "true"},
      // Chronicle's affinity loads JNA, which otherwise unpacks its library under ~/.cache/JNA
      {"jna.tmpdir", System.getProperty("java.io.tmpdir")},
  };

  private static volatile Optional<Throwable> cause;

  private ChronicleRuntime() {}

  /**
   * Sets Chronicle's system properties (keeping any the user set) and checks the JVM flags. Call
   * before the first use of any Chronicle class; cheap after the first call.
   *
   * @return why Chronicle cannot run in this JVM, or empty
   */
  public static Optional<Throwable> prepare() {
    Optional<Throwable> c = cause;
    if (c == null) {
      synchronized (ChronicleRuntime.class) {
        c = cause;
        if (c == null) {
          for (String[] p : PROPERTIES) {
            if (System.getProperty(p[0]) == null) {
              System.setProperty(p[0], p[1]);
            }
          }
          List<String> missing = missingFlags();
          c = missing.isEmpty() ? Optional.empty() : Optional.of(new TransportUnavailableException(
              missingFlagsMessage(missing)));
          cause = c;
        }
      }
    }
    return c;
  }

  /** The required flags this JVM was started without (those the module system can report). */
  public static List<String> missingFlags() {
    Module self = ChronicleRuntime.class.getModule();
    List<String> missing = new ArrayList<>();
    for (String flag : REQUIRED_FLAGS) {
      String[] parts = flag.split("[=/]");
      if (parts.length != 4) {
        continue; // --enable-native-access, --sun-misc-unsafe-memory-access: not visible through Module
      }
      Optional<Module> module = ModuleLayer.boot().findModule(parts[1]);
      if (module.isEmpty()) {
        missing.add(flag + " (module " + parts[1] + " is not in this JVM)");
        continue;
      }
      boolean ok = parts[0].equals("--add-opens")
          ? module.get().isOpen(parts[2], self)
          : module.get().isExported(parts[2], self);
      if (!ok) {
        missing.add(flag);
      }
    }
    return missing;
  }

  /** The error text for a JVM started without some of the flags: names them all, and how to add them. */
  public static String missingFlagsMessage(List<String> missing) {
    return "Chronicle Queue (the shm: transport) needs JVM flags this JVM was started without: "
        + String.join(" ", missing) + ". Start java with: " + String.join(" ", REQUIRED_FLAGS)
        + " (on JDK 24 and later add --sun-misc-unsafe-memory-access=allow; see the README, "
        + "\"Shared memory\")";
  }

  /**
   * The exception to throw when Chronicle failed in a way a missing JVM flag explains (an
   * inaccessible JDK internal while Chronicle initialises), instead of its deep stack trace.
   */
  public static TransportUnavailableException unavailable(String uri, Throwable failure) {
    return new TransportUnavailableException("shm: transport cannot start Chronicle Queue for " + uri
        + ": " + failure + ". If the JVM was started without " + String.join(" ", REQUIRED_FLAGS)
        + ", add them (see the README, \"Shared memory\")", failure);
  }
}
