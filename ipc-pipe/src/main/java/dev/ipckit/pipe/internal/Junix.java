package dev.ipckit.pipe.internal;

import dev.ipckit.IpcException;
import dev.ipckit.stream.StreamLink;
import dev.ipckit.stream.UnixSocketLink;
import java.io.BufferedInputStream;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;
import org.newsclub.net.unix.AFUNIXSocket;
import org.newsclub.net.unix.AFUNIXSocketChannel;
import org.newsclub.net.unix.FileDescriptorCast;

/**
 * Everything of ipc-pipe that touches junixsocket: adopting a raw descriptor as a socket channel
 * or a stream. Kept apart so that listing the providers never loads it. Not API.
 */
public final class Junix {
  private Junix() {}

  public static Optional<Throwable> unavailabilityCause() {
    if (!AFUNIXSocket.isSupported()) {
      return Optional.of(new IllegalStateException("junixsocket's native library does not load on this platform"
          + " (os.arch=" + System.getProperty("os.arch") + ")"));
    }
    return Optional.empty();
  }

  /** A socket adopted from a raw descriptor; closing its link closes the descriptor. */
  public record Adopted(AFUNIXSocketChannel channel, StreamLink link) {}

  /**
   * Adopts {@code fd}, an AF_UNIX stream socket, as a non-blocking channel. On failure the
   * descriptor is closed.
   *
   * <p>junixsocket does not close a descriptor it was cast from when its channel closes (it only
   * shuts the socket down), so the link closes it afterwards, through the FileDescriptor object:
   * if junixsocket did close it, that object is invalid and nothing else is touched.
   */
  public static Adopted adopt(int fd) throws IOException {
    AFUNIXSocketChannel ch;
    FileDescriptor fdObj;
    try {
      ch = FileDescriptorCast.unsafeUsing(fd).as(AFUNIXSocketChannel.class);
      fdObj = ch.getFileDescriptor();
    } catch (IOException | RuntimeException e) {
      Fds.close(fd);
      throw new IpcException("cannot adopt fd " + fd + " as a Unix socket: " + e, e);
    }
    try {
      return new Adopted(ch, new ClosingLink(UnixSocketLink.over(ch), () -> release(fdObj)));
    } catch (IOException | RuntimeException e) {
      ch.close();
      release(fdObj);
      throw e;
    }
  }

  private static void release(FileDescriptor fdObj) {
    if (fdObj.valid()) {
      try {
        new FileInputStream(fdObj).close();
      } catch (IOException ignored) {
        // already gone
      }
    }
  }

  /**
   * A stream that owns {@code fd} (a pipe's read end), buffered as the JDK's own process streams
   * are: JDK 17's FileInputStream.readAllBytes seeks, which fails on a pipe.
   */
  public static InputStream inputStream(int fd) throws IOException {
    return new BufferedInputStream(FileDescriptorCast.unsafeUsing(fd).as(FileInputStream.class));
  }

  /** A stream that owns {@code fd} (a pipe's write end). */
  public static FileOutputStream outputStream(int fd) throws IOException {
    return FileDescriptorCast.unsafeUsing(fd).as(FileOutputStream.class);
  }
}
