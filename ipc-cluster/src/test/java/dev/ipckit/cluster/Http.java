package dev.ipckit.cluster;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * One GET on a fresh connection with {@code Connection: close}, read to the end: each request
 * goes through the listening socket, which is what the cluster tests are about.
 */
final class Http {
  private Http() {}

  record Response(int status, String body) {}

  /** {@link #get} on another thread. */
  static java.util.concurrent.CompletableFuture<Response> getAsync(int port, String path) {
    return java.util.concurrent.CompletableFuture.supplyAsync(() -> {
      try {
        return get(port, path);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
  }

  static Response get(int port, String path) throws IOException {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
      s.setSoTimeout(60_000);
      s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      InputStream in = s.getInputStream();
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      in.transferTo(all);
      String text = all.toString(StandardCharsets.UTF_8);
      int end = text.indexOf("\r\n\r\n");
      if (!text.startsWith("HTTP/1.1 ") || end < 0) {
        throw new IOException("not an HTTP response from port " + port + ": '" + text + "'");
      }
      return new Response(Integer.parseInt(text.substring(9, 12)), text.substring(end + 4));
    }
  }
}
