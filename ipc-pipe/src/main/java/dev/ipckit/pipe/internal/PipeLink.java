package dev.ipckit.pipe.internal;

import dev.ipckit.IpcException;
import dev.ipckit.stream.DescriptorLink;

/**
 * A {@link DescriptorLink} over two pipes, one read and one written (a child's stdin and stdout
 * seen from either side). Pipes are grown from the kernel's default 64 KiB to 1 MiB where allowed
 * (fewer wake-ups, larger batches); shutting the output closes the written pipe. Not API.
 */
public final class PipeLink extends DescriptorLink {
  private boolean outClosed; // under the output gate (shutOutput, release)

  /** Takes ownership of {@code in} and {@code out}, which it makes non-blocking. */
  public PipeLink(int in, int out) throws IpcException {
    super(in, out);
    Fds.growPipe(in);
    Fds.growPipe(out);
  }

  @Override
  protected void shutOutput() {
    outClosed = true;
    Fds.close(out);
  }

  @Override
  protected void release() {
    Fds.close(in);
    if (!outClosed) {
      outClosed = true;
      Fds.close(out);
    }
  }
}
