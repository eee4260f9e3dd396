package dev.ipckit.cluster.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/** "127.0.0.1:8080" and "[::1]:8080" to an address and back. Not API. */
public final class HostPort {
  private HostPort() {}

  /** @throws IllegalArgumentException naming {@code text} when it is not HOST:PORT */
  public static InetSocketAddress parse(String text) {
    int colon = text == null ? -1 : text.lastIndexOf(':');
    if (colon < 0) {
      throw new IllegalArgumentException("expected HOST:PORT, not '" + text + "'");
    }
    String host = text.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    try {
      return new InetSocketAddress(InetAddress.getByName(host), Integer.parseInt(text.substring(colon + 1)));
    } catch (IOException | IllegalArgumentException e) {
      throw new IllegalArgumentException("bad address '" + text + "': " + e.getMessage(), e);
    }
  }

  public static String format(InetSocketAddress a) {
    String ip = a.getAddress().getHostAddress();
    return (ip.indexOf(':') >= 0 ? "[" + ip + "]" : ip) + ":" + a.getPort();
  }
}
