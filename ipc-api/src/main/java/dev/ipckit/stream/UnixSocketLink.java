package dev.ipckit.stream;

import com.sun.jna.Memory;
import dev.ipckit.IpcException;
import dev.ipckit.PeerCredentials;
import dev.ipckit.internal.SocketCalls;
import java.io.FileDescriptor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.newsclub.net.unix.AFUNIXSocketChannel;
import org.newsclub.net.unix.AFUNIXSocketCredentials;
import org.newsclub.net.unix.FileDescriptorCast;

/**
 * The link of every transport over a Unix stream socket (unix:, fd:): a {@link DescriptorLink} on
 * the socket junixsocket connected, accepted or adopted, that also carries open descriptors
 * (SCM_RIGHTS), so the HANDLES frames of {@link FramedChannel} reach the kernel the same way for
 * all of them. junixsocket keeps the socket's life (connect, accept, credentials, close); the bytes
 * go through {@code recvmsg}/{@code send}/{@code sendmsg} on its descriptor.
 *
 * <p>Every read is a {@code recvmsg} with room for descriptors: a plain read would make the kernel
 * discard any that came with its bytes. Received descriptors are close-on-exec and belong to the
 * caller of {@link #takeReceivedDescriptors}.
 *
 * <p>Needs junixsocket and JNA on the class path (the transports that use it bring them).
 */
public final class UnixSocketLink extends DescriptorLink {
  /** Room for the most descriptors one message can carry (253) and then some. */
  private static final int CONTROL = 4096;
  private static final int MSGHDR = 56;
  private static final int CMSG_HEADER = 16;

  private final AFUNIXSocketChannel channel;
  /** A msghdr with one iovec and the control buffer, for reads (reader only). */
  private final Memory readMsg = new Memory(MSGHDR + 16 + CONTROL);
  private final List<FileDescriptor> received = new ArrayList<>();

  private UnixSocketLink(AFUNIXSocketChannel channel, int fd) throws IpcException {
    super(fd, fd);
    this.channel = channel;
    readMsg.clear();
    readMsg.setPointer(16, readMsg.share(MSGHDR)); // msg_iov
    readMsg.setLong(24, 1); // msg_iovlen
    readMsg.setPointer(32, readMsg.share(MSGHDR + 16)); // msg_control
  }

  /** A link over {@code channel}, made non-blocking; closing the link closes the channel. */
  public static UnixSocketLink over(AFUNIXSocketChannel channel) throws IOException {
    channel.configureBlocking(false);
    int fd = FileDescriptorCast.using(channel.getFileDescriptor()).as(Integer.class);
    return new UnixSocketLink(channel, fd);
  }

  /** The kernel's view of who is on the other end of {@code channel} (SO_PEERCRED), if it has one. */
  public static Optional<PeerCredentials> peerCredentials(AFUNIXSocketChannel channel) {
    try {
      AFUNIXSocketCredentials c = channel.getPeerCredentials();
      if (c == null || c.isEmpty()) {
        return Optional.empty();
      }
      return Optional.of(new PeerCredentials(c.getPid(), c.getUid(), c.getGid()));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  @Override
  protected long readCall(long address, long count) {
    readMsg.setLong(MSGHDR, address); // iov_base
    readMsg.setLong(MSGHDR + 8, count); // iov_len
    readMsg.setLong(40, CONTROL); // msg_controllen
    readMsg.setInt(48, 0); // msg_flags
    long n = SocketCalls.recvmsg(in, readMsg, SocketCalls.MSG_CMSG_CLOEXEC);
    if (n >= 0) {
      long controlLength = readMsg.getLong(40);
      if (controlLength > 0) {
        // with MSG_CTRUNC set the kernel closed what did not fit: FramedChannel then finds fewer
        // than the HANDLES frame announced and says so
        collectDescriptors(controlLength);
      }
    }
    return n;
  }

  /** Takes the SCM_RIGHTS descriptors out of the control messages of the last read. */
  private void collectDescriptors(long controlLength) {
    long base = MSGHDR + 16;
    long off = 0;
    while (off + CMSG_HEADER <= controlLength) {
      long len = readMsg.getLong(base + off);
      if (len < CMSG_HEADER) {
        break;
      }
      int level = readMsg.getInt(base + off + 8);
      int type = readMsg.getInt(base + off + 12);
      if (level == SocketCalls.SOL_SOCKET && type == SocketCalls.SCM_RIGHTS) {
        for (long p = CMSG_HEADER; p + 4 <= len; p += 4) {
          int fd = readMsg.getInt(base + off + p);
          try {
            received.add(FileDescriptorCast.unsafeUsing(fd).getFileDescriptor());
          } catch (IOException e) {
            SocketCalls.close(fd);
          }
        }
      }
      off += (len + 7) & ~7L;
    }
  }

  @Override
  protected long writeCall(long address, long count) {
    // send, not write: a peer gone is EPIPE, never a SIGPIPE
    return SocketCalls.send(out, address, count, SocketCalls.MSG_NOSIGNAL);
  }

  @Override
  public boolean passesDescriptors() {
    return true;
  }

  /** One {@code sendmsg} of the first buffer's bytes with the descriptors; the rest goes by write. */
  @Override
  public long writeWithDescriptors(ByteBuffer[] srcs, FileDescriptor[] descriptors, long timeoutNanos)
      throws IOException {
    ByteBuffer src = srcs[0];
    if (!src.isDirect() || !src.hasRemaining()) {
      throw new IllegalArgumentException("descriptors go with the bytes of a non-empty direct buffer");
    }
    int[] fds = new int[descriptors.length];
    for (int i = 0; i < fds.length; i++) {
      fds[i] = FileDescriptorCast.using(descriptors[i]).as(Integer.class);
    }
    long deadline = System.nanoTime() + timeoutNanos;
    return asWriter(() -> {
      try (Memory msg = new Memory(MSGHDR + 16 + CMSG_HEADER + 4L * fds.length + 8)) {
        msg.clear();
        long controlLength = CMSG_HEADER + 4L * fds.length;
        msg.setPointer(16, msg.share(MSGHDR));
        msg.setLong(24, 1);
        msg.setPointer(32, msg.share(MSGHDR + 16));
        msg.setLong(40, controlLength);
        msg.setLong(MSGHDR + 16, controlLength); // cmsg_len
        msg.setInt(MSGHDR + 16 + 8, SocketCalls.SOL_SOCKET);
        msg.setInt(MSGHDR + 16 + 12, SocketCalls.SCM_RIGHTS);
        for (int i = 0; i < fds.length; i++) {
          msg.setInt(MSGHDR + 16 + CMSG_HEADER + 4L * i, fds[i]);
        }
        while (true) {
          msg.setLong(MSGHDR, address(src) + src.position());
          msg.setLong(MSGHDR + 8, src.remaining());
          long n = SocketCalls.sendmsg(out, msg, SocketCalls.MSG_NOSIGNAL);
          if (n >= 0) {
            src.position(src.position() + (int) n);
            return n;
          }
          int err = SocketCalls.errno();
          if (err == SocketCalls.EAGAIN) {
            if (!awaitWritable(deadline, timeoutNanos)) {
              return 0L;
            }
          } else if (err != SocketCalls.EINTR) {
            throw new IOException("sendmsg with " + fds.length + " descriptors on fd " + out + " failed: "
                + SocketCalls.describe(err));
          }
        }
      }
    });
  }

  @Override
  public FileDescriptor[] takeReceivedDescriptors() {
    FileDescriptor[] got = received.toArray(new FileDescriptor[0]);
    received.clear();
    return got;
  }

  @Override
  protected void shutOutput() {
    SocketCalls.shutdown(out, SocketCalls.SHUT_WR);
  }

  @Override
  protected void release() {
    try {
      channel.close();
    } catch (IOException ignored) {
      // nothing more can be released
    }
    for (FileDescriptor fd : takeReceivedDescriptors()) {
      try {
        new java.io.FileInputStream(fd).close();
      } catch (IOException ignored) {
        // already closed
      }
    }
  }
}
