package dev.ipckit.stream;

import java.io.FileDescriptor;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A {@link StreamLink} that hands every call to another one: subclasses override only what they
 * add (an action on close, descriptor passing), the way a decorator should.
 */
public abstract class ForwardingLink implements StreamLink {
  protected final StreamLink delegate;

  protected ForwardingLink(StreamLink delegate) {
    this.delegate = delegate;
  }

  @Override
  public int read(ByteBuffer dst, long timeoutNanos) throws IOException {
    return delegate.read(dst, timeoutNanos);
  }

  @Override
  public boolean awaitReadable(long timeoutNanos) throws IOException {
    return delegate.awaitReadable(timeoutNanos);
  }

  @Override
  public long write(ByteBuffer[] srcs, long timeoutNanos) throws IOException {
    return delegate.write(srcs, timeoutNanos);
  }

  @Override
  public boolean passesDescriptors() {
    return delegate.passesDescriptors();
  }

  @Override
  public long writeWithDescriptors(ByteBuffer[] srcs, FileDescriptor[] descriptors, long timeoutNanos)
      throws IOException {
    return delegate.writeWithDescriptors(srcs, descriptors, timeoutNanos);
  }

  @Override
  public FileDescriptor[] takeReceivedDescriptors() {
    return delegate.takeReceivedDescriptors();
  }

  @Override
  public void shutdownOutput() throws IOException {
    delegate.shutdownOutput();
  }

  @Override
  public void close() throws IOException {
    delegate.close();
  }
}
