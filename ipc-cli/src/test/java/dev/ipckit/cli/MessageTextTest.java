package dev.ipckit.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class MessageTextTest {
  private static String text(byte... bytes) {
    return MessageText.text(ByteBuffer.wrap(bytes));
  }

  private static String text(String s) {
    return text(s.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void printableUtf8IsShownAsItIs() {
    assertEquals("grüß dich, 世界, 🎉", text("grüß dich, 世界, 🎉"));
    assertEquals("", text(new byte[0]));
  }

  @Test
  void lineBreaksTabsAndBackslashesAreEscapedSoAMessageIsOneLine() {
    assertEquals("a\\nb\\r\\tc\\\\d", text("a\nb\r\tc\\d"));
  }

  @Test
  void otherControlCharactersAndBytesThatAreNotUtf8AreHex() {
    assertEquals("\\x00\\x01\\x7f", text((byte) 0, (byte) 1, (byte) 0x7f));
    assertEquals("a\\xffb\\xc3", text((byte) 'a', (byte) 0xff, (byte) 'b', (byte) 0xc3));
  }

  @Test
  void invisibleCodePointsAreNamed() {
    assertEquals("\\u{0085}x\\u{200b}", text("\u0085x\u200b"));
  }

  @Test
  void theBufferIsNotConsumed() {
    ByteBuffer m = ByteBuffer.wrap("hi".getBytes(StandardCharsets.UTF_8));
    MessageText.text(m);
    MessageText.hex(m);
    assertEquals(2, m.remaining());
  }

  @Test
  void hexRoundTrips() throws Exception {
    byte[] bytes = {0, 1, (byte) 0xab, (byte) 0xff};
    assertEquals("0001abff", MessageText.hex(ByteBuffer.wrap(bytes)));
    assertArrayEquals(bytes, MessageText.parseHex("0001ABff"));
    assertArrayEquals(bytes, MessageText.parseHex("00 01 ab ff"));
    assertArrayEquals(new byte[0], MessageText.parseHex(""));
  }

  @Test
  void badHexNamesWhatIsWrong() {
    assertTrue(assertThrows(BadArgumentException.class, () -> MessageText.parseHex("abc")).getMessage()
        .contains("odd number of digits"));
    assertTrue(assertThrows(BadArgumentException.class, () -> MessageText.parseHex("zz")).getMessage()
        .contains("'zz' is not hex"));
  }
}
