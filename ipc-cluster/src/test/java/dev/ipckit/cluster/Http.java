package dev.ipckit.cluster;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * One request on a fresh connection with {@code Connection: close}, read to the end: each request
 * goes through the listening socket, which is what the cluster tests are about. (Shared with
 * ipc-examples' tests through this module's test jar.)
 */
public final class Http {
  private Http() {}

  /** A response; header names in lower case. */
  public record Response(int status, Map<String, String> headers, String body) {
    public Optional<String> header(String name) {
      return Optional.ofNullable(headers.get(name.toLowerCase(Locale.ROOT)));
    }
  }

  /** {@link #get} on another thread. */
  public static CompletableFuture<Response> getAsync(int port, String path) {
    return CompletableFuture.supplyAsync(() -> {
      try {
        return get(port, path);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
  }

  public static Response get(int port, String path) throws IOException {
    return request(port, "GET", path, "");
  }

  /** {@code method path} with {@code headers} (each line ending in CRLF, or empty). */
  public static Response request(int port, String method, String path, String headers) throws IOException {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
      s.setSoTimeout(60_000);
      s.getOutputStream().write((method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
          + (method.equals("GET") ? "" : "Content-Length: 0\r\n") + headers + "\r\n").getBytes(StandardCharsets.US_ASCII));
      InputStream in = s.getInputStream();
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      in.transferTo(all);
      String text = all.toString(StandardCharsets.UTF_8);
      int end = text.indexOf("\r\n\r\n");
      if (!text.startsWith("HTTP/1.1 ") || end < 0) {
        throw new IOException("not an HTTP response from port " + port + ": '" + text + "'");
      }
      Map<String, String> h = new LinkedHashMap<>();
      for (String line : text.substring(0, end).split("\r\n")) {
        int colon = line.indexOf(':');
        if (colon > 0) {
          h.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
        }
      }
      return new Response(Integer.parseInt(text.substring(9, 12)), h, text.substring(end + 4));
    }
  }
}
