package dev.ipckit;

import java.nio.ByteBuffer;

/**
 * Receives messages without copying them. The buffer is a read-only view of the channel's own
 * receive buffer, positioned on one message: <b>it is valid only until the method returns</b>.
 * Copy what must outlive the call.
 */
@FunctionalInterface
public interface MessageHandler {
  void onMessage(ByteBuffer message);
}
