package dev.ipckit.bench;

import java.io.Closeable;
import java.io.IOException;
import java.time.Duration;

/** The parent's listening end of one row; closing it removes whatever it created. */
interface Listener extends Closeable {

  /** What the peer child connects to: a socket path, host:port, or an ipckit URI. */
  String address();

  /** The next connection, or null if none came within {@code timeout}. */
  BenchLink accept(Duration timeout) throws IOException;
}
