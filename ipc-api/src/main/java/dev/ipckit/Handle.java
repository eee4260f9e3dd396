package dev.ipckit;

import java.io.Closeable;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.IOException;
import java.util.Objects;

/**
 * An open descriptor (a listening or connected socket) that travels with a message over a channel
 * whose transport declares {@link Capability#PASSES_HANDLES}: Node's "send the server handle to
 * the workers", so every worker accepts from one listening socket the supervisor bound once.
 *
 * <p>The sender keeps its own descriptor: sending does not close it. The receiver gets a new
 * descriptor for the same open socket and owns it: it closes the handle, or turns it into a
 * channel with its transport module's helpers (a listening TCP socket becomes a
 * {@code ServerSocketChannel} that accepts connections, a connected one a {@code SocketChannel}).
 *
 * <p>Sent with {@link Channel#send(java.nio.ByteBuffer, Handle...)}, received with
 * {@link Channel#receiveWithHandles(java.time.Duration)}. The fd: and unix: transports pass them
 * ({@link Handles} makes and converts TCP sockets); the engine's HANDLES frame is in
 * docs/PROTOCOL.md.
 */
public final class Handle implements Closeable {
  private final FileDescriptor descriptor;
  private final String description;
  private boolean closed;

  private Handle(FileDescriptor descriptor, String description) {
    this.descriptor = Objects.requireNonNull(descriptor, "descriptor");
    this.description = Objects.requireNonNull(description, "description");
  }

  /**
   * A handle for {@code descriptor}; {@code description} says what it is, for messages and for
   * the receiver ("tcp listener 127.0.0.1:8080").
   */
  public static Handle of(FileDescriptor descriptor, String description) {
    if (!descriptor.valid()) {
      throw new IllegalArgumentException("cannot make a handle of a closed descriptor (" + description + ")");
    }
    return new Handle(descriptor, description);
  }

  public FileDescriptor descriptor() {
    return descriptor;
  }

  public String description() {
    return description;
  }

  /**
   * Closes the descriptor: for a handle that was received, since the receiver owns it. Do not
   * close a handle made from a socket you still use. Idempotent.
   */
  @Override
  public synchronized void close() throws IOException {
    if (!closed) {
      closed = true;
      if (descriptor.valid()) {
        new FileInputStream(descriptor).close();
      }
    }
  }

  @Override
  public String toString() {
    return "Handle[" + description + "]";
  }
}
