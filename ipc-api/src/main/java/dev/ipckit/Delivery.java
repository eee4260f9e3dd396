package dev.ipckit;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * A received message and the {@link Handle handles} that travelled with it (empty for most
 * messages, and always on transports without {@link Capability#PASSES_HANDLES}). The receiver
 * owns the handles and must close them.
 */
public record Delivery(ByteBuffer message, List<Handle> handles) {
  public Delivery {
    handles = List.copyOf(handles);
  }
}
