package dev.ipckit.stream;

import dev.ipckit.PeerCredentials;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.newsclub.net.unix.AFUNIXSocketChannel;
import org.newsclub.net.unix.AFUNIXSocketCredentials;
import org.newsclub.net.unix.FileDescriptorCast;

/**
 * A {@link SelectableLink} over a junixsocket Unix socket that also carries open descriptors
 * (SCM_RIGHTS): the link of every transport that passes handles (unix:, fd:), so the HANDLES
 * frames of {@link FramedChannel} reach the kernel the same way for all of them.
 *
 * <p>Received descriptors are duplicated before they are handed out: junixsocket closes every
 * descriptor it received when its socket closes, even those it gave away, and a listening socket
 * passed to a worker must outlive the channel it came by.
 *
 * <p>Needs junixsocket on the class path (the transports that use it bring it).
 */
public final class UnixSocketLink extends ForwardingLink {
  /** Room for the most descriptors one message can carry (253) and then some. */
  private static final int ANCILLARY_BUFFER = 4096;

  private final AFUNIXSocketChannel channel;

  private UnixSocketLink(AFUNIXSocketChannel channel, SelectableLink link) {
    super(link);
    this.channel = channel;
    // without it junixsocket silently drops what arrives (DESIGN.md section 10)
    channel.setAncillaryReceiveBufferSize(ANCILLARY_BUFFER);
  }

  /** A link over {@code channel}, made non-blocking; closing the link closes the channel. */
  public static UnixSocketLink over(AFUNIXSocketChannel channel) throws IOException {
    return new UnixSocketLink(channel, new SelectableLink(channel));
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
  public boolean passesDescriptors() {
    return true;
  }

  @Override
  public long writeWithDescriptors(ByteBuffer[] srcs, FileDescriptor[] descriptors, long timeoutNanos)
      throws IOException {
    channel.setOutboundFileDescriptors(descriptors);
    try {
      return delegate.write(srcs, timeoutNanos);
    } finally {
      channel.setOutboundFileDescriptors((FileDescriptor[]) null);
    }
  }

  @Override
  public FileDescriptor[] takeReceivedDescriptors() {
    FileDescriptor[] got;
    try {
      got = channel.getReceivedFileDescriptors();
    } catch (IOException e) {
      return new FileDescriptor[0];
    }
    if (got == null || got.length == 0) {
      return new FileDescriptor[0];
    }
    List<FileDescriptor> mine = new ArrayList<>(got.length);
    for (FileDescriptor fd : got) {
      try {
        mine.add(FileDescriptorCast.duplicating(fd).getFileDescriptor());
      } catch (IOException e) {
        // cannot duplicate (out of descriptors?): it will be reported as missing
      }
      try {
        new FileInputStream(fd).close();
      } catch (IOException ignored) {
        // already closed
      }
    }
    return mine.toArray(new FileDescriptor[0]);
  }
}
