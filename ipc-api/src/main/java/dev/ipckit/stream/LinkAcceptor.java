package dev.ipckit.stream;

import dev.ipckit.PeerCredentials;
import java.io.Closeable;
import java.io.IOException;
import java.util.Optional;

/** The listening half of a byte-stream transport: hands the server one raw connection at a time. */
public interface LinkAcceptor extends Closeable {

  /** A newly accepted connection, before any handshake. */
  record Accepted(StreamLink link, String peer, Optional<PeerCredentials> credentials) {}

  /** Blocks until a connection arrives; throws once closed. */
  Accepted accept() throws IOException;

  /**
   * Whether the server keeps this peer; a refused one is closed before it is sent a single byte
   * (an allow-list of uids, for example).
   */
  default boolean admit(Accepted accepted) {
    return true;
  }

  /** Stops accepting and releases the listening socket and anything it created. */
  @Override
  void close() throws IOException;
}
