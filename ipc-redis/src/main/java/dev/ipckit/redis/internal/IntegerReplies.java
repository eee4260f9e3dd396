package dev.ipckit.redis.internal;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Reads the replies of pipelined commands that answer with an integer (PUBLISH) from a Redis
 * connection, without an object per reply (not API; one thread). A reply is {@code :N\r\n}, or
 * {@code -ERROR message\r\n} when Redis refused the command; anything else is a protocol error.
 */
final class IntegerReplies {
  private final InputStream in;
  private final byte[] buf = new byte[16 << 10];
  private int pos;
  private int end;
  private String error;

  IntegerReplies(InputStream in) {
    this.in = in;
  }

  /**
   * Reads the next reply.
   *
   * @return its value; {@link Long#MIN_VALUE} for an error reply, whose text {@link #error} then gives
   * @throws IOException the connection failed or closed, or Redis sent something else
   */
  long next() throws IOException {
    byte type = read();
    if (type == ':') {
      boolean negative = false;
      long v = 0;
      byte c = read();
      if (c == '-') {
        negative = true;
        c = read();
      }
      while (c != '\r') {
        if (c < '0' || c > '9') {
          throw new IOException("malformed integer reply from Redis (byte " + c + ")");
        }
        v = v * 10 + (c - '0');
        c = read();
      }
      expectLf();
      return negative ? -v : v;
    }
    if (type == '-') {
      StringBuilder s = new StringBuilder();
      for (byte c = read(); c != '\r'; c = read()) {
        s.append((char) (c & 0xFF));
      }
      expectLf();
      error = new String(s.toString().getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
      return Long.MIN_VALUE;
    }
    throw new IOException("unexpected reply from Redis to PUBLISH (type byte '" + (char) type + "')");
  }

  /** The text of the last error reply, e.g. {@code NOPERM ...}. */
  String error() {
    return error;
  }

  private void expectLf() throws IOException {
    if (read() != '\n') {
      throw new IOException("malformed reply from Redis (no LF after CR)");
    }
  }

  private byte read() throws IOException {
    if (pos == end) {
      int n = in.read(buf, 0, buf.length);
      if (n < 0) {
        throw new EOFException("Redis closed the connection");
      }
      pos = 0;
      end = n;
    }
    return buf[pos++];
  }
}
