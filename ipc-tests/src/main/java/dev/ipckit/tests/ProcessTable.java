package dev.ipckit.tests;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** What /proc says about processes: running (not gone, not a zombie), and this JVM's children. */
public final class ProcessTable {
  private ProcessTable() {}

  /** The state letter of {@code pid} (R, S, Z, ...), or 0 if there is no such process. */
  public static char state(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      return stat.charAt(stat.lastIndexOf(')') + 2);
    } catch (IOException e) {
      return 0;
    }
  }

  /** Exists and is not a zombie. */
  public static boolean running(long pid) {
    char s = state(pid);
    return s != 0 && s != 'Z' && s != 'X';
  }

  /** Every process whose parent is this JVM, zombies included. */
  public static List<Long> children() throws IOException {
    long self = ProcessHandle.current().pid();
    List<Long> out = new ArrayList<>();
    try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
      for (Path p : procs) {
        try {
          String stat = Files.readString(p.resolve("stat"));
          String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
          if (Long.parseLong(f[1]) == self) {
            out.add(Long.parseLong(p.getFileName().toString()));
          }
        } catch (IOException | RuntimeException e) {
          // gone while we looked
        }
      }
    }
    return out;
  }

  /**
   * How many sockets, pipes and anon inodes (eventfd, epoll) this process has open: what a
   * channel or a child could leak. Jar files opened by class loading are not counted.
   */
  public static int openFds() throws IOException {
    int n = 0;
    try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
      for (Path fd : fds) {
        try {
          String t = Files.readSymbolicLink(fd).toString();
          if (t.startsWith("socket:") || t.startsWith("pipe:") || t.startsWith("anon_inode:")) {
            n++;
          }
        } catch (IOException e) {
          // closed while we looked
        }
      }
    }
    return n;
  }
}
