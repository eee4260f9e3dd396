package dev.ipckit.redis.internal;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * The pieces of RESP that Redis sends, read from a connection's socket through one reused buffer
 * (not API; one thread): a type byte, a number ending in CRLF, a line, bulk bytes.
 * {@link IntegerReplies} and {@link PushReader} build on it.
 */
final class RespInput {
  private final InputStream in;
  private final byte[] buf;
  private int pos;
  private int end;

  RespInput(InputStream in, int bufferSize) {
    this.in = in;
    this.buf = new byte[bufferSize];
  }

  byte read() throws IOException {
    if (pos == end) {
      fill();
    }
    return buf[pos++];
  }

  /** A decimal number ending with CRLF, e.g. what follows ':', '$' or '*'. */
  long number() throws IOException {
    boolean negative = false;
    long v = 0;
    byte c = read();
    if (c == '-') {
      negative = true;
      c = read();
    }
    while (c != '\r') {
      if (c < '0' || c > '9') {
        throw new IOException("malformed number from Redis (byte " + c + ")");
      }
      v = v * 10 + (c - '0');
      c = read();
    }
    lf();
    return negative ? -v : v;
  }

  /** The rest of a line (an error's or a status's text), without its CRLF. */
  String line() throws IOException {
    StringBuilder s = new StringBuilder();
    for (byte c = read(); c != '\r'; c = read()) {
      s.append((char) (c & 0xFF));
    }
    lf();
    return new String(s.toString().getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
  }

  void crlf() throws IOException {
    if (read() != '\r') {
      throw new IOException("malformed reply from Redis (no CRLF after a bulk string)");
    }
    lf();
  }

  private void lf() throws IOException {
    if (read() != '\n') {
      throw new IOException("malformed reply from Redis (no LF after CR)");
    }
  }

  void readFully(byte[] dst, int off, int len) throws IOException {
    while (len > 0) {
      if (pos == end) {
        fill();
      }
      int n = Math.min(len, end - pos);
      System.arraycopy(buf, pos, dst, off, n);
      pos += n;
      off += n;
      len -= n;
    }
  }

  void skip(long len) throws IOException {
    while (len > 0) {
      if (pos == end) {
        fill();
      }
      int n = (int) Math.min(len, end - pos);
      pos += n;
      len -= n;
    }
  }

  private void fill() throws IOException {
    int n = in.read(buf, 0, buf.length);
    if (n < 0) {
      throw new EOFException("Redis closed the connection");
    }
    pos = 0;
    end = n;
  }
}
