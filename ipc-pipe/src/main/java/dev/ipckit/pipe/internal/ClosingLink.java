package dev.ipckit.pipe.internal;

import dev.ipckit.stream.StreamLink;
import java.io.FileDescriptor;
import java.io.IOException;
import java.nio.ByteBuffer;

/** A {@link StreamLink} that runs an action once when it is closed. Not API. */
public final class ClosingLink implements StreamLink {
  private final StreamLink link;
  private Runnable onClose;

  public ClosingLink(StreamLink link, Runnable onClose) {
    this.link = link;
    this.onClose = onClose;
  }

  @Override
  public int read(ByteBuffer dst, long timeoutNanos) throws IOException {
    return link.read(dst, timeoutNanos);
  }

  @Override
  public boolean awaitReadable(long timeoutNanos) throws IOException {
    return link.awaitReadable(timeoutNanos);
  }

  @Override
  public long write(ByteBuffer[] srcs, long timeoutNanos) throws IOException {
    return link.write(srcs, timeoutNanos);
  }

  @Override
  public boolean passesDescriptors() {
    return link.passesDescriptors();
  }

  @Override
  public long writeWithDescriptors(ByteBuffer[] srcs, FileDescriptor[] descriptors, long timeoutNanos)
      throws IOException {
    return link.writeWithDescriptors(srcs, descriptors, timeoutNanos);
  }

  @Override
  public FileDescriptor[] takeReceivedDescriptors() {
    return link.takeReceivedDescriptors();
  }

  @Override
  public void shutdownOutput() throws IOException {
    link.shutdownOutput();
  }

  @Override
  public void close() throws IOException {
    Runnable r;
    synchronized (this) {
      r = onClose;
      onClose = null;
    }
    try {
      link.close();
    } finally {
      if (r != null) {
        r.run();
      }
    }
  }
}
