package dev.ipckit.pipe.internal;

import dev.ipckit.stream.ForwardingLink;
import dev.ipckit.stream.SelectableLink;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.newsclub.net.unix.AFUNIXSocketChannel;
import org.newsclub.net.unix.FileDescriptorCast;

/**
 * A {@link SelectableLink} over a junixsocket Unix socket that also carries open descriptors
 * (SCM_RIGHTS). Received descriptors are duplicated before they are handed out: junixsocket
 * closes every descriptor it received when its socket closes, even those it gave away, and a
 * listening socket passed to a worker must outlive the channel it came by. Not API.
 */
final class DescriptorLink extends ForwardingLink {
  /** Room for the most descriptors one message can carry (253) and then some. */
  private static final int ANCILLARY_BUFFER = 4096;

  private final AFUNIXSocketChannel channel;

  DescriptorLink(AFUNIXSocketChannel channel, SelectableLink link) {
    super(link);
    this.channel = channel;
    // without it junixsocket silently drops what arrives (DESIGN.md section 10)
    channel.setAncillaryReceiveBufferSize(ANCILLARY_BUFFER);
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
