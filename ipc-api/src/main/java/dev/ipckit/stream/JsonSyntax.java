package dev.ipckit.stream;

import java.nio.ByteBuffer;

/**
 * Checks that bytes are one JSON value (RFC 8259) in well-formed UTF-8, without building it: the
 * {@code ndjson} framing uses it on every line in both directions, so that a malformed line is
 * reported where it is, not as a crash in whatever parses it later. Nesting deeper than
 * {@value #MAX_DEPTH} is refused. Not thread-confined; stateless.
 */
public final class JsonSyntax {
  public static final int MAX_DEPTH = 512;

  private final ByteBuffer b;
  private final int start;
  private final int end;
  private int i;

  private JsonSyntax(ByteBuffer b, int from, int to) {
    this.b = b;
    this.start = from;
    this.i = from;
    this.end = to;
  }

  /**
   * Checks {@code b[from, to)}.
   *
   * @return null if it is one JSON value, else what is wrong and at which byte (from 0)
   */
  public static String check(ByteBuffer b, int from, int to) {
    JsonSyntax p = new JsonSyntax(b, from, to);
    try {
      p.ws();
      p.value(0);
      p.ws();
      if (p.i != p.end) {
        throw p.error("unexpected " + p.describe() + " after the JSON value");
      }
      return null;
    } catch (Bad e) {
      return e.getMessage();
    }
  }

  private static final class Bad extends Exception {
    Bad(String message) {
      super(message, null, false, false);
    }
  }

  private Bad error(String what) {
    return new Bad(what + " at byte " + (i - start) + " of " + (end - start) + ": " + excerpt());
  }

  /** Up to 60 bytes around the error, printable ASCII as is, the rest escaped. */
  private String excerpt() {
    int from = Math.max(start, i - 30);
    int to = Math.min(end, i + 30);
    StringBuilder sb = new StringBuilder(from > start ? "..." : "");
    for (int k = from; k < to; k++) {
      int c = b.get(k) & 0xFF;
      if (k == i) {
        sb.append("[here]"); // marks the spot
      }
      if (c >= 0x20 && c < 0x7F) {
        sb.append((char) c);
      } else {
        sb.append(String.format("\\x%02x", c));
      }
    }
    if (i >= to) {
      sb.append("[here]");
    }
    return sb.append(to < end ? "..." : "").toString();
  }

  private String describe() {
    if (i >= end) {
      return "end of input";
    }
    int c = b.get(i) & 0xFF;
    return c >= 0x20 && c < 0x7F ? "'" + (char) c + "'" : String.format("byte 0x%02x", c);
  }

  private void ws() {
    while (i < end) {
      byte c = b.get(i);
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        i++;
      } else {
        return;
      }
    }
  }

  private void value(int depth) throws Bad {
    if (i >= end) {
      throw error("expected a JSON value, found end of input");
    }
    byte c = b.get(i);
    switch (c) {
      case '{' -> object(depth + 1);
      case '[' -> array(depth + 1);
      case '"' -> string();
      case 't' -> literal("true");
      case 'f' -> literal("false");
      case 'n' -> literal("null");
      default -> {
        if (c == '-' || (c >= '0' && c <= '9')) {
          number();
        } else {
          throw error("expected a JSON value, found " + describe());
        }
      }
    }
  }

  private void object(int depth) throws Bad {
    if (depth > MAX_DEPTH) {
      throw error("nested deeper than " + MAX_DEPTH);
    }
    i++; // {
    ws();
    if (peek() == '}') {
      i++;
      return;
    }
    while (true) {
      ws();
      if (peek() != '"') {
        throw error("expected a member name in quotes, found " + describe());
      }
      string();
      ws();
      expect(':');
      ws();
      value(depth);
      ws();
      if (peek() == ',') {
        i++;
        continue;
      }
      expect('}');
      return;
    }
  }

  private void array(int depth) throws Bad {
    if (depth > MAX_DEPTH) {
      throw error("nested deeper than " + MAX_DEPTH);
    }
    i++; // [
    ws();
    if (peek() == ']') {
      i++;
      return;
    }
    while (true) {
      ws();
      value(depth);
      ws();
      if (peek() == ',') {
        i++;
        continue;
      }
      expect(']');
      return;
    }
  }

  private int peek() {
    return i < end ? b.get(i) : -1;
  }

  private void expect(char c) throws Bad {
    if (peek() != c) {
      throw error("expected '" + c + "', found " + describe());
    }
    i++;
  }

  private void literal(String word) throws Bad {
    for (int k = 0; k < word.length(); k++) {
      if (peek() != word.charAt(k)) {
        throw error("expected '" + word + "', found " + describe());
      }
      i++;
    }
  }

  private void number() throws Bad {
    if (peek() == '-') {
      i++;
    }
    if (peek() == '0') {
      i++;
    } else if (digit()) {
      while (digit()) {
        i++;
      }
    } else {
      throw error("expected a digit, found " + describe());
    }
    if (peek() == '.') {
      i++;
      if (!digit()) {
        throw error("expected a digit after '.', found " + describe());
      }
      while (digit()) {
        i++;
      }
    }
    if (peek() == 'e' || peek() == 'E') {
      i++;
      if (peek() == '+' || peek() == '-') {
        i++;
      }
      if (!digit()) {
        throw error("expected a digit in the exponent, found " + describe());
      }
      while (digit()) {
        i++;
      }
    }
  }

  private boolean digit() {
    int c = peek();
    return c >= '0' && c <= '9';
  }

  private void string() throws Bad {
    i++; // opening quote
    while (true) {
      if (i >= end) {
        throw error("unterminated string");
      }
      int c = b.get(i) & 0xFF;
      if (c == '"') {
        i++;
        return;
      }
      if (c == '\\') {
        i++;
        int e = peek();
        switch (e) {
          case '"', '\\', '/', 'b', 'f', 'n', 'r', 't' -> i++;
          case 'u' -> {
            i++;
            for (int k = 0; k < 4; k++) {
              int h = peek();
              if (!((h >= '0' && h <= '9') || (h >= 'a' && h <= 'f') || (h >= 'A' && h <= 'F'))) {
                throw error("expected a hex digit in a \\u escape, found " + describe());
              }
              i++;
            }
          }
          default -> throw error("invalid escape '\\" + (e < 0 ? "" : String.valueOf((char) e)) + "'");
        }
      } else if (c < 0x20) {
        throw error("unescaped control character 0x" + Integer.toHexString(c) + " in a string");
      } else if (c < 0x80) {
        i++;
      } else {
        utf8(c);
      }
    }
  }

  /** One multi-byte UTF-8 sequence starting with lead byte {@code c}: no overlongs, no surrogates. */
  private void utf8(int c) throws Bad {
    int n;
    int min;
    int cp;
    if (c >= 0xC2 && c <= 0xDF) {
      n = 1;
      min = 0x80;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 2;
      min = 0x800;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 3;
      min = 0x10000;
      cp = c & 0x07;
    } else {
      throw error("invalid UTF-8 lead byte 0x" + Integer.toHexString(c));
    }
    int at = i;
    i++;
    for (int k = 0; k < n; k++) {
      int t = i < end ? b.get(i) & 0xFF : -1;
      if (t < 0 || (t & 0xC0) != 0x80) {
        i = at;
        throw error("truncated UTF-8 sequence");
      }
      cp = (cp << 6) | (t & 0x3F);
      i++;
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      i = at;
      throw error("invalid UTF-8 sequence (U+" + Integer.toHexString(cp).toUpperCase(java.util.Locale.ROOT) + ")");
    }
  }
}
