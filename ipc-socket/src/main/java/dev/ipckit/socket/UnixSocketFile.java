package dev.ipckit.socket;

import dev.ipckit.IpcException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.UserPrincipal;
import java.util.Set;

/**
 * The rules for a Unix socket's file: it lives in a directory no other user can tamper with, it
 * is never readable or writable by others, a stale file left by a dead server is replaced, and a
 * live server's file is never stolen.
 */
final class UnixSocketFile {
  private static final int S_IWGRP = 0020;
  private static final int S_IWOTH = 0002;
  private static final int S_ISVTX = 01000;

  private UnixSocketFile() {}

  /**
   * Refuses a directory where another user could replace or remove the socket: one writable by
   * group or others, unless it has the sticky bit like /tmp, and one owned by someone else than
   * this user or root.
   */
  static void checkDirectory(Path dir, String uri) throws IOException {
    if (!Files.isDirectory(dir)) {
      throw new IpcException("cannot listen at " + uri + ": directory " + dir + " does not exist");
    }
    int mode = (Integer) Files.getAttribute(dir, "unix:mode");
    UserPrincipal owner = Files.getOwner(dir);
    String me = System.getProperty("user.name");
    boolean ownedSafely = owner.getName().equals(me) || owner.getName().equals("root");
    boolean writableByOthers = (mode & (S_IWGRP | S_IWOTH)) != 0 && (mode & S_ISVTX) == 0;
    if (!ownedSafely || writableByOthers) {
      throw new IpcException("refusing to listen at " + uri + ": directory " + dir
          + (writableByOthers ? " is writable by other users" : " belongs to " + owner.getName())
          + "; use a directory only you control, such as $XDG_RUNTIME_DIR or one made with mode 0700");
    }
  }

  /** Parses a mode such as 0600; only owner and group bits are allowed. */
  static Set<PosixFilePermission> permissions(String mode, String uri) throws IpcException {
    int m;
    try {
      m = Integer.parseInt(mode, 8);
    } catch (NumberFormatException e) {
      throw new dev.ipckit.InvalidChannelUriException(uri, "mode=" + mode + " is not an octal file mode such as 0600");
    }
    if ((m & ~0660) != 0) {
      throw new dev.ipckit.InvalidChannelUriException(uri, "mode=" + mode
          + " would let other users or execution in; allowed: read/write for owner and group (0600, 0660)");
    }
    Set<PosixFilePermission> p = java.util.EnumSet.noneOf(PosixFilePermission.class);
    if ((m & 0400) != 0) {
      p.add(PosixFilePermission.OWNER_READ);
    }
    if ((m & 0200) != 0) {
      p.add(PosixFilePermission.OWNER_WRITE);
    }
    if ((m & 0040) != 0) {
      p.add(PosixFilePermission.GROUP_READ);
    }
    if ((m & 0020) != 0) {
      p.add(PosixFilePermission.GROUP_WRITE);
    }
    return p;
  }

  static boolean isSocket(Path p) throws IOException {
    if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
      return false;
    }
    return Files.readAttributes(p, "unix:mode", LinkOption.NOFOLLOW_LINKS).get("mode") instanceof Integer mode
        && (mode & 0170000) == 0140000;
  }

  static Object fileKey(Path p) throws IOException {
    return Files.readAttributes(p, java.nio.file.attribute.BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
        .fileKey();
  }
}
