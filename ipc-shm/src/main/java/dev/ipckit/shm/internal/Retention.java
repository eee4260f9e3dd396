package dev.ipckit.shm.internal;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;

/**
 * Keeps a log's disk use bounded: removes the cycle files ({@code *.cq4}) last written longer ago
 * than {@code retain}, never the newest one. Chronicle's file names sort by time. Not API.
 */
public final class Retention {
  private final Path dir;
  private final Duration retain;

  public Retention(Path dir, Duration retain) {
    this.dir = dir;
    this.retain = retain;
  }

  /** Removes expired cycle files of {@code queue}; does nothing with {@code retain} zero (keep all). */
  public void apply(SingleChronicleQueue queue) {
    if (retain.isZero()) {
      return;
    }
    long before = System.currentTimeMillis() - retain.toMillis();
    List<Path> cycles = new ArrayList<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*" + SUFFIX)) {
      files.forEach(cycles::add);
    } catch (IOException e) {
      return;
    }
    Collections.sort(cycles);
    boolean removed = false;
    for (Path p : cycles.subList(0, Math.max(0, cycles.size() - 1))) {
      try {
        if (Files.getLastModifiedTime(p).toMillis() < before) {
          removed |= Files.deleteIfExists(p);
        }
      } catch (IOException e) {
        // another process removed it, or is still writing: the next roll tries again
      }
    }
    if (removed) {
      queue.refreshDirectoryListing();
    }
  }

  /** Chronicle's cycle file suffix. */
  public static final String SUFFIX = ".cq4";
}
