package dev.ipckit.bench;

import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** A JDK server socket, Unix domain or TCP; accepted connections are blocking, TCP ones NODELAY. */
final class RawListener implements Listener {
  private final ServerSocketChannel server;
  private final String address;
  private final Path file;

  RawListener(ServerSocketChannel server, String address, Path file) throws IOException {
    server.configureBlocking(false);
    this.server = server;
    this.address = address;
    this.file = file;
  }

  @Override
  public String address() {
    return address;
  }

  @Override
  public BenchLink accept(Duration timeout) throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      SocketChannel ch = server.accept();
      if (ch != null) {
        if (file == null) {
          ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
        }
        return RawLink.of(ch);
      }
      if (System.nanoTime() - deadline >= 0) {
        return null;
      }
      try {
        Thread.sleep(2);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return null;
      }
    }
  }

  @Override
  public void close() throws IOException {
    try {
      server.close();
    } finally {
      if (file != null) {
        Files.deleteIfExists(file);
      }
    }
  }
}
