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
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      s.getInputStream().transferTo(all);
      String text = all.toString(StandardCharsets.UTF_8);
      int end = text.indexOf("\r\n\r\n");
      if (end < 0) {
        throw new IOException("not an HTTP response from port " + port + ": '" + text + "'");
      }
      return parse(text.substring(0, end + 2), text.substring(end + 4));
    }
  }

  private static Response parse(String head, String body) throws IOException {
    if (!head.startsWith("HTTP/1.1 ")) {
      throw new IOException("not an HTTP response: '" + head + "'");
    }
    Map<String, String> h = new LinkedHashMap<>();
    for (String line : head.split("\r\n")) {
      int colon = line.indexOf(':');
      if (colon > 0) {
        h.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
      }
    }
    return new Response(Integer.parseInt(head.substring(9, 12)), h, body);
  }

  /** One connection kept open between GETs (HTTP/1.1 keep-alive), read by Content-Length. */
  public static final class KeepAlive implements AutoCloseable {
    private final Socket socket = new Socket();
    private final InputStream in;

    public KeepAlive(int port) throws IOException {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
      socket.setSoTimeout(60_000);
      in = socket.getInputStream();
    }

    /** Sends a GET without reading its response. */
    public void send(String path) throws IOException {
      socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      socket.getOutputStream().flush();
    }

    /** Reads one response. */
    public Response read() throws IOException {
      StringBuilder head = new StringBuilder();
      while (!head.toString().endsWith("\r\n\r\n")) {
        int b = in.read();
        if (b < 0) {
          throw new IOException("the connection ended after '" + head + "'");
        }
        head.append((char) b);
      }
      Response r = parse(head.substring(0, head.length() - 2), "");
      byte[] body = in.readNBytes(Integer.parseInt(r.header("content-length").orElse("0")));
      return new Response(r.status(), r.headers(), new String(body, StandardCharsets.UTF_8));
    }

    /** Waits up to {@code timeout} ms for the server to end the connection: true on a clean end (FIN). */
    public boolean endedWithin(int timeout) throws IOException {
      socket.setSoTimeout(timeout);
      return in.read() < 0;
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }
}
