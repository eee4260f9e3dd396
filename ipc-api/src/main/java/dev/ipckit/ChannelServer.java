package dev.ipckit;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;

/**
 * Accepts channels from many clients (node-ipc's server). Closing the server closes every channel
 * it accepted and removes whatever it created (a Unix socket file, for example).
 */
public interface ChannelServer extends Closeable {

  /** The URI clients connect to; with port 0 asked for, it carries the port actually bound. */
  String uri();

  /** The next client channel, or {@code null} if none connected within {@code timeout}. */
  Channel accept(Duration timeout) throws IOException;

  default Channel accept() throws IOException {
    Channel c;
    do {
      c = accept(Duration.ofDays(365));
    } while (c == null);
    return c;
  }

  /** The accepted channels that are still open. */
  List<Channel> channels();

  /**
   * Sends {@code message} to every open client channel. A client that fails (closed, or its
   * buffer full past the send timeout) is skipped and the others still get the message.
   *
   * @return how many clients the message was sent to
   */
  default int broadcast(ByteBuffer message) throws IOException {
    int sent = 0;
    for (Channel c : channels()) {
      try {
        c.send(message.duplicate());
        sent++;
      } catch (IpcException e) {
        // one slow or dead client must not stop the broadcast to the others
      }
    }
    return sent;
  }

  @Override
  void close() throws IOException;
}
