package dev.ipckit.stream;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class JsonSyntaxTest {
  private static String check(String json) {
    byte[] b = json.getBytes(StandardCharsets.UTF_8);
    return JsonSyntax.check(ByteBuffer.wrap(b), 0, b.length);
  }

  private static String check(byte[] b) {
    return JsonSyntax.check(ByteBuffer.wrap(b), 0, b.length);
  }

  @Test
  void acceptsEveryKindOfValue() {
    for (String ok : new String[] {"0", "-0", "12.5e-3", "1E+9", "true", "false", "null", "\"\"", "[]", "{}",
        " { \"a\" : [1, 2.0, {\"b\": null}], \"c\": \"\\u00e9\\n\\\"q\\\"\" } ", "\"grüß dich, 世界, 🎉\"",
        "[[[[[[[[[[1]]]]]]]]]]"}) {
      assertNull(check(ok), ok);
    }
  }

  @Test
  void refusesWhatIsNotOneJsonValue() {
    String[][] bad = {
        {"", "expected a JSON value, found end of input"},
        {"hello", "expected a JSON value, found 'h'"},
        {"nope", "expected 'null', found 'o'"},
        {"{\"a\":1,}", "expected a member name in quotes"},
        {"[1 2]", "expected ']'"},
        {"01", "after the JSON value"},
        {"1.", "expected a digit after '.'"},
        {"\"abc", "unterminated string"},
        {"\"a\tb\"", "unescaped control character 0x9"},
        {"\"\\x\"", "invalid escape"},
        {"{} {}", "after the JSON value"},
        {"tru", "expected 'true'"},
    };
    for (String[] c : bad) {
      String why = check(c[0]);
      assertNotNull(why, c[0]);
      assertTrue(why.contains(c[1]), c[0] + " -> " + why);
    }
    assertTrue(check("[".repeat(JsonSyntax.MAX_DEPTH + 1)).contains("nested deeper than"));
  }

  @Test
  void refusesMalformedUtf8() {
    assertTrue(check(new byte[] {'"', (byte) 0xC3, '"'}).contains("truncated UTF-8"));
    assertTrue(check(new byte[] {'"', (byte) 0xC0, (byte) 0xAF, '"'}).contains("invalid UTF-8 lead byte 0xc0"));
    assertTrue(check(new byte[] {'"', (byte) 0xED, (byte) 0xA0, (byte) 0x80, '"'}).contains("U+D800"));
    assertTrue(check(new byte[] {'"', (byte) 0xFF, '"'}).contains("invalid UTF-8 lead byte 0xff"));
  }

  @Test
  void namesThePlace() {
    String why = check("{\"name\": \"x\", \"n\": 1x}");
    assertTrue(why.contains("at byte 20 of 22"), why);
    assertTrue(why.contains("1[here]x}"), why);
  }
}
