package dev.ipckit.cli;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/**
 * Messages as lines of a terminal, and back. Text is UTF-8 with everything that would not print
 * on one line escaped, so each message is exactly one line and no byte is lost from view:
 * {@code \n \r \t \\}, other control characters and bytes that are not UTF-8 as {@code \xHH},
 * invisible code points (C1 controls, formatting, unassigned) as <code>&#92;u{HHHH}</code>.
 */
final class MessageText {
  private static final HexFormat HEX = HexFormat.of();

  private MessageText() {}

  /** The message as one printable line of text. */
  static String text(ByteBuffer message) {
    ByteBuffer in = message.duplicate();
    CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
    CharBuffer chars = CharBuffer.allocate(Math.max(16, in.remaining()));
    StringBuilder out = new StringBuilder(in.remaining() + 8);
    while (true) {
      CoderResult r = decoder.decode(in, chars, true);
      chars.flip();
      escapeChars(chars, out);
      chars.clear();
      if (r.isError()) {
        for (int i = 0; i < r.length(); i++) {
          out.append(String.format("\\x%02x", in.get() & 0xff));
        }
      } else if (r.isUnderflow()) {
        return out.toString();
      }
    }
  }

  private static void escapeChars(CharSequence s, StringBuilder out) {
    s.codePoints().forEach(cp -> {
      switch (cp) {
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        case '\\' -> out.append("\\\\");
        default -> {
          if (cp < 0x20 || cp == 0x7f) {
            out.append(String.format("\\x%02x", cp));
          } else if (invisible(cp)) {
            out.append(String.format("\\u{%04x}", cp));
          } else {
            out.appendCodePoint(cp);
          }
        }
      }
    });
  }

  private static boolean invisible(int cp) {
    int type = Character.getType(cp);
    return type == Character.CONTROL || type == Character.FORMAT || type == Character.UNASSIGNED
        || type == Character.LINE_SEPARATOR || type == Character.PARAGRAPH_SEPARATOR
        || type == Character.SURROGATE || type == Character.PRIVATE_USE;
  }

  /** The message as lower-case hex digits, two per byte. */
  static String hex(ByteBuffer message) {
    ByteBuffer in = message.duplicate();
    byte[] bytes = new byte[in.remaining()];
    in.get(bytes);
    return HEX.formatHex(bytes);
  }

  /** The bytes written as hex digits; whitespace between bytes is allowed. */
  static byte[] parseHex(String text) throws BadArgumentException {
    String digits = text.replaceAll("\\s+", "");
    if (digits.length() % 2 != 0) {
      throw new BadArgumentException("'" + text + "' is not hex: an odd number of digits (" + digits.length()
          + "); each byte is two digits, e.g. 68690a");
    }
    try {
      return HEX.parseHex(digits);
    } catch (IllegalArgumentException e) {
      throw new BadArgumentException("'" + text + "' is not hex: " + e.getMessage());
    }
  }
}
