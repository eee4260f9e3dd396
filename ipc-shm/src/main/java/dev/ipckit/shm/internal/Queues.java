package dev.ipckit.shm.internal;

import dev.ipckit.InvalidChannelUriException;
import dev.ipckit.IpcException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.Locale;
import java.util.stream.Stream;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.RollCycles;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.queue.rollcycles.LargeRollCycles;
import net.openhft.chronicle.queue.rollcycles.TestRollCycles;

/**
 * Builds the Chronicle queues of the shm: transport and removes their directories. Only called
 * after {@link ChronicleRuntime#prepare()} said Chronicle can run. Not API.
 */
public final class Queues {
  private static final long MIN_BLOCK = 16L << 20;

  private Queues() {}

  /**
   * Opens (creating if needed) the queue in {@code dir}, with blocks large enough for a document of
   * {@code maxMessage} bytes plus its tag (Chronicle's limit is a quarter of the block size).
   */
  public static SingleChronicleQueue open(Path dir, String uri, long maxMessage, RollCycle rollCycle)
      throws IOException {
    createPrivateDirectories(dir);
    long needed = (maxMessage + 1) * 4;
    long block = Math.max(MIN_BLOCK, Long.highestOneBit(needed - 1) << 1);
    try {
      return SingleChronicleQueueBuilder.binary(dir)
          .blockSize(block)
          .rollCycle(rollCycle)
          .build();
    } catch (Error | RuntimeException e) {
      throw ChronicleRuntime.unavailable(uri, e);
    }
  }

  /** The roll cycle named by the {@code rollCycle} option. */
  public static RollCycle rollCycle(String name, String uri) throws InvalidChannelUriException {
    String n = name.toUpperCase(Locale.ROOT);
    switch (n) {
      case "MINUTELY":
        return RollCycles.FIVE_MINUTELY;
      case "HOURLY":
        return RollCycles.FAST_HOURLY;
      case "DAILY":
        return RollCycles.FAST_DAILY;
      case "SECONDLY":
        return TestRollCycles.TEST_SECONDLY; // for tests of rolling and retention
      default:
        break;
    }
    for (Class<? extends Enum<?>> type : java.util.List.<Class<? extends Enum<?>>>of(
        RollCycles.class, LargeRollCycles.class, TestRollCycles.class)) {
      for (Enum<?> c : type.getEnumConstants()) {
        if (c.name().equals(n)) {
          return (RollCycle) c;
        }
      }
    }
    throw new InvalidChannelUriException(uri, "rollCycle=" + name
        + " is not minutely, hourly, daily or a Chronicle roll cycle name such as FAST_HOURLY");
  }

  /** Creates {@code dir} and its missing parents with mode 0700 (where the file system has modes). */
  public static void createPrivateDirectories(Path dir) throws IOException {
    if (Files.isDirectory(dir)) {
      return;
    }
    Path parent = dir.getParent();
    if (parent != null) {
      createPrivateDirectories(parent);
    }
    try {
      Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    } catch (java.nio.file.FileAlreadyExistsException e) {
      if (!Files.isDirectory(dir)) {
        throw new IpcException(dir + " exists and is not a directory");
      }
    } catch (UnsupportedOperationException e) {
      Files.createDirectories(dir);
    }
  }

  /**
   * Refuses a directory another user could read or tamper with: it must belong to this user and not
   * be writable by group or others (a directory ipckit creates is 0700). Skipped where the file
   * system has no POSIX attributes.
   */
  public static void checkPrivate(Path dir, String uri) throws IOException {
    int mode;
    java.nio.file.attribute.UserPrincipal owner;
    try {
      mode = (Integer) Files.getAttribute(dir, "unix:mode");
      owner = Files.getOwner(dir);
    } catch (UnsupportedOperationException | IllegalArgumentException e) {
      return;
    }
    String me = System.getProperty("user.name");
    if (!owner.getName().equals(me)) {
      throw new IpcException("refusing " + uri + ": directory " + dir + " belongs to " + owner.getName()
          + ", not " + me + "; use a directory only you control (ipckit creates it 0700 if missing)");
    }
    if ((mode & 022) != 0) {
      throw new IpcException("refusing " + uri + ": directory " + dir + " is writable by other users (mode 0"
          + Integer.toOctalString(mode & 0777) + "); chmod 700 it or let ipckit create it");
    }
  }

  /** Removes {@code path} and everything under it; quietly does nothing if it is already gone. */
  public static void deleteTree(Path path) throws IOException {
    if (!Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (Stream<Path> s = Files.walk(path)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        try {
          Files.deleteIfExists(p);
        } catch (java.nio.file.DirectoryNotEmptyException e) {
          // the other side added a file meanwhile: walk again below
        }
      }
    } catch (NoSuchFileException | java.io.UncheckedIOException e) {
      // removed by the other side while we walked
    }
    if (Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      try (Stream<Path> s = Files.walk(path)) {
        for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      } catch (NoSuchFileException | java.io.UncheckedIOException e) {
        // gone
      }
    }
  }
}
