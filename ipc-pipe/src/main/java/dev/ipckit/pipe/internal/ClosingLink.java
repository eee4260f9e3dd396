package dev.ipckit.pipe.internal;

import dev.ipckit.stream.ForwardingLink;
import dev.ipckit.stream.StreamLink;
import java.io.IOException;

/** A {@link StreamLink} that runs an action once when it is closed. Not API. */
public final class ClosingLink extends ForwardingLink {
  private Runnable onClose;

  public ClosingLink(StreamLink link, Runnable onClose) {
    super(link);
    this.onClose = onClose;
  }

  @Override
  public void close() throws IOException {
    Runnable r;
    synchronized (this) {
      r = onClose;
      onClose = null;
    }
    try {
      delegate.close();
    } finally {
      if (r != null) {
        r.run();
      }
    }
  }
}
