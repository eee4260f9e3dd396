package dev.ipckit.cluster.internal;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The messages between a supervisor and its workers on their channel: one kind byte, then the
 * payload. Not API.
 *
 * <pre>
 *   +------+-----------------------------+
 *   | kind | payload                     |
 *   +------+-----------------------------+
 *   'I' ident     worker -> supervisor  "pid=4242 token=9f0c..." (first, on every transport: the
 *                                       token from its IPCKIT_WORKER_TOKEN matches it to its process)
 *   'H' hello     supervisor -> worker  "slot=0 generation=1 listen=shared address=127.0.0.1:8080"
 *                                       (the listening socket rides with it as a handle)
 *   'R' ready     worker -> supervisor  empty
 *   'M' message   either way            the application's bytes
 *   'S' shutdown  supervisor -> worker  milliseconds left to finish in-flight work, as text
 * </pre>
 */
public final class Control {
  public static final byte IDENT = 'I';
  public static final byte HELLO = 'H';
  public static final byte READY = 'R';
  public static final byte MESSAGE = 'M';
  public static final byte SHUTDOWN = 'S';

  private Control() {}

  public static ByteBuffer encode(byte kind, ByteBuffer payload) {
    ByteBuffer b = ByteBuffer.allocate(1 + payload.remaining());
    b.put(kind).put(payload.duplicate()).flip();
    return b;
  }

  public static ByteBuffer encode(byte kind, String text) {
    return encode(kind, StandardCharsets.UTF_8.encode(text));
  }

  /** The kind byte of a received message; the buffer is left on its payload. */
  public static byte kind(ByteBuffer message) {
    if (!message.hasRemaining()) {
      throw new IllegalArgumentException("an empty control message has no kind");
    }
    return message.get();
  }

  public static String text(ByteBuffer payload) {
    return StandardCharsets.UTF_8.decode(payload).toString();
  }

  /** "a=1 b=2" as a map. */
  public static Map<String, String> fields(String text) {
    Map<String, String> m = new LinkedHashMap<>();
    for (String part : text.trim().split(" +")) {
      int eq = part.indexOf('=');
      if (eq > 0) {
        m.put(part.substring(0, eq), part.substring(eq + 1));
      }
    }
    return m;
  }
}
