package dev.ipckit.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class SimpleCodecsTest {

  @Test
  @Timeout(10)
  void bytesPassThroughUnchanged() throws Exception {
    byte[] all = new byte[256];
    for (int i = 0; i < all.length; i++) {
      all[i] = (byte) i;
    }
    assertArrayEquals(all, BytesCodec.BYTES.decode(BytesCodec.BYTES.encode(all)));
    assertArrayEquals(new byte[0], BytesCodec.BYTES.decode(BytesCodec.BYTES.encode(new byte[0])));
    // a read-only view, as a channel's poll hands out, has no accessible array
    assertArrayEquals(all, BytesCodec.BYTES.decode(ByteBuffer.wrap(all).asReadOnlyBuffer()));
  }

  @Test
  @Timeout(10)
  void bytesDecodeOnlyTheRemainingBytes() throws Exception {
    ByteBuffer b = ByteBuffer.wrap(new byte[] {9, 1, 2, 3, 9});
    b.position(1).limit(4);
    assertArrayEquals(new byte[] {1, 2, 3}, BytesCodec.BYTES.decode(b));
    assertEquals(1, b.position(), "decode must not move the caller's buffer");
  }

  @Test
  @Timeout(10)
  void stringsRoundTripAsUtf8() throws Exception {
    for (String s : new String[] {"", "plain", "Grüße, 世界 \uD83C\uDF0D – ñ", "\u0000nul inside"}) {
      ByteBuffer encoded = StringCodec.UTF_8.encode(s);
      assertArrayEquals(s.getBytes(StandardCharsets.UTF_8), toArray(encoded), s);
      assertEquals(s, StringCodec.UTF_8.decode(encoded));
      assertEquals(s, StringCodec.UTF_8.decode(encoded.asReadOnlyBuffer()));
    }
  }

  @Test
  @Timeout(10)
  void invalidUtf8IsAnErrorNotAReplacement() {
    ByteBuffer bad = ByteBuffer.wrap(new byte[] {'o', 'k', (byte) 0xC3, 0x28});
    CodecException e = assertThrows(CodecException.class, () -> StringCodec.UTF_8.decode(bad));
    assertEquals("utf-8", e.codec());
    assertTrue(e.getMessage().contains("invalid UTF-8 at byte 2"), e.getMessage());
  }

  @Test
  @Timeout(10)
  void anUnpairedSurrogateCannotBeEncoded() {
    CodecException e = assertThrows(CodecException.class, () -> StringCodec.UTF_8.encode("a\uD800b"));
    assertTrue(e.getMessage().startsWith("codec utf-8:"), e.getMessage());
  }

  @Test
  @Timeout(10)
  void nullIsRefusedWithTheCodecsName() {
    assertTrue(assertThrows(CodecException.class, () -> StringCodec.UTF_8.encode((String) null))
        .getMessage().contains("null"));
    assertTrue(assertThrows(CodecException.class, () -> BytesCodec.BYTES.encode((byte[]) null))
        .getMessage().startsWith("codec bytes:"));
  }

  static byte[] toArray(ByteBuffer b) {
    byte[] a = new byte[b.remaining()];
    b.duplicate().get(a);
    return a;
  }
}
