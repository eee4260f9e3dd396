package dev.ipckit.pipe;

import dev.ipckit.TransportUnavailableException;
import dev.ipckit.pipe.internal.Junix;
import dev.ipckit.pipe.internal.LibC;
import java.util.Locale;
import java.util.Optional;

/**
 * Whether ipc-pipe's native pieces can run here. A child opening its channel needs only
 * junixsocket; a parent spawning children also needs libc through JNA, which costs a child's
 * start 100-200 ms to load, so a child never loads it.
 */
final class Native {
  private static volatile Optional<Throwable> childSide;
  private static volatile Optional<Throwable> parentSide;

  private Native() {}

  static Optional<Throwable> childSideUnavailabilityCause() {
    Optional<Throwable> c = childSide;
    if (c == null) {
      c = probeChildSide();
      childSide = c;
    }
    return c;
  }

  /** Why libc cannot be called through JNA here (needed to spawn, and by pipe:), or empty. */
  static Optional<Throwable> libcUnavailabilityCause() {
    Optional<Throwable> c = parentSide;
    if (c == null) {
      c = childSideUnavailabilityCause();
      if (c.isEmpty()) {
        try {
          LibC.load();
        } catch (LinkageError | RuntimeException e) {
          c = Optional.of(new IllegalStateException("libc cannot be reached through JNA: " + e, e));
        }
      }
      parentSide = c;
    }
    return c;
  }

  /** Throws unless this process can spawn children. */
  static void ensureCanSpawn() throws TransportUnavailableException {
    Optional<Throwable> c = libcUnavailabilityCause();
    if (c.isPresent()) {
      throw new TransportUnavailableException("ipc-pipe cannot start children here: " + c.get().getMessage(),
          c.get());
    }
  }

  private static Optional<Throwable> probeChildSide() {
    String os = System.getProperty("os.name", "");
    if (!os.toLowerCase(Locale.ROOT).contains("linux")) {
      return Optional.of(new UnsupportedOperationException("ipc-pipe supports Linux only (os.name=" + os + ")"));
    }
    try {
      return Junix.unavailabilityCause();
    } catch (LinkageError e) {
      return Optional.of(new IllegalStateException("junixsocket is not on the class path: " + e, e));
    }
  }
}
