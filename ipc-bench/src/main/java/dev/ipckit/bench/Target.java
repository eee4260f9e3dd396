package dev.ipckit.bench;

import dev.ipckit.Channels;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * What one row measures: an ipckit transport or the raw JDK baseline it is compared with. Each
 * ipckit row names its baseline; the default order interleaves them (raw-unix, unix, raw-tcp,
 * tcp) so that drift on a noisy machine hits both sides of a ratio.
 */
enum Target {
  RAW_UNIX("raw-unix", null) {
    @Override
    Listener listen(Path dir) throws IOException {
      Path file = dir.resolve("raw-" + System.nanoTime() + ".sock");
      ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
      server.bind(UnixDomainSocketAddress.of(file));
      return new RawListener(server, file.toString(), file);
    }

    @Override
    BenchLink connect(String address) throws IOException {
      return new RawLink(SocketChannel.open(UnixDomainSocketAddress.of(address)));
    }
  },
  UNIX("unix", "raw-unix") {
    @Override
    Listener listen(Path dir) throws IOException {
      return new IpckitListener(Channels.listen("unix://" + dir.resolve("ipckit-" + System.nanoTime() + ".sock") + System.getProperty("ipckit.bench.query", "")));
    }
  },
  RAW_TCP("raw-tcp", null) {
    @Override
    Listener listen(Path dir) throws IOException {
      ServerSocketChannel server = ServerSocketChannel.open();
      server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      int port = ((InetSocketAddress) server.getLocalAddress()).getPort();
      return new RawListener(server, InetAddress.getLoopbackAddress().getHostAddress() + ":" + port, null);
    }

    @Override
    BenchLink connect(String address) throws IOException {
      int colon = address.lastIndexOf(':');
      SocketChannel ch = SocketChannel.open(new InetSocketAddress(address.substring(0, colon),
          Integer.parseInt(address.substring(colon + 1))));
      ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
      return new RawLink(ch);
    }
  },
  TCP("tcp", "raw-tcp") {
    @Override
    Listener listen(Path dir) throws IOException {
      return new IpckitListener(Channels.listen("tcp://127.0.0.1:0" + System.getProperty("ipckit.bench.query", "")));
    }
  };

  private final String label;
  private final String baseline;

  Target(String label, String baseline) {
    this.label = label;
    this.baseline = baseline;
  }

  /** The row's name: {@code raw-unix}, {@code unix}, {@code raw-tcp}, {@code tcp}. */
  String label() {
    return label;
  }

  /** The label of the raw row this one is compared with, or null for a baseline. */
  String baseline() {
    return baseline;
  }

  /** Starts listening; socket files go in {@code dir}. */
  abstract Listener listen(Path dir) throws IOException;

  /** The peer child's side: connects to what {@link Listener#address()} said. ipckit: a channel URI. */
  BenchLink connect(String address) throws IOException {
    return new IpckitLink(Channels.open(address));
  }

  static Target of(String label) {
    for (Target t : values()) {
      if (t.label.equals(label.trim().toLowerCase(Locale.ROOT))) {
        return t;
      }
    }
    throw new IllegalArgumentException("unknown transport '" + label + "'; known: "
        + Arrays.stream(values()).map(Target::label).collect(Collectors.joining(", ")));
  }
}
