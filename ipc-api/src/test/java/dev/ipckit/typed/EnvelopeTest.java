package dev.ipckit.typed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ipckit.ProtocolException;
import dev.ipckit.typed.internal.MessageBuffer;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The wire format exactly as the Javadoc of {@link Envelope} draws it. */
class EnvelopeTest {

  @Test
  @Timeout(10)
  void aRequestIsKindThenBigEndianIdThenPayload() throws Exception {
    byte[] bytes = {1, 0, 0, 0, 0, 0, 0, 0x01, 0x02, 'h', 'i'};
    Envelope e = Envelope.read(ByteBuffer.wrap(bytes), "mem:t");
    assertEquals(Envelope.REQUEST, e.kind());
    assertEquals(0x0102, e.correlationId());
    assertNull(e.type());
    assertEquals(ByteBuffer.wrap(new byte[] {'h', 'i'}), e.payload());
  }

  @Test
  @Timeout(10)
  void anEventCarriesItsTypeAsLengthPrefixedUtf8() throws Exception {
    byte[] type = "état".getBytes(StandardCharsets.UTF_8);
    ByteBuffer m = ByteBuffer.allocate(9 + 1 + type.length + 1);
    m.put(Envelope.EVENT).putLong(0).put((byte) type.length).put(type).put((byte) 42).flip();
    Envelope e = Envelope.read(m, "mem:t");
    assertEquals("état", e.type());
    assertEquals(ByteBuffer.wrap(new byte[] {42}), e.payload());
    assertEquals(0, m.position(), "read must not move the message");
  }

  @Test
  @Timeout(10)
  void whatIsWrittenIsWhatIsRead() throws Exception {
    MessageBuffer b = MessageBuffer.acquire();
    try {
      Envelope.writeEventHeader(b, Envelope.typeBytes("progress"));
      b.write(new byte[] {7, 8});
      Envelope e = Envelope.read(b.view(), "mem:t");
      assertEquals(Envelope.EVENT, e.kind());
      assertEquals("progress", e.type());
      assertEquals(ByteBuffer.wrap(new byte[] {7, 8}), e.payload());
    } finally {
      b.release();
    }
    b = MessageBuffer.acquire();
    try {
      Envelope.writeFailure(b, -5, "java.lang.IllegalStateException", "nö");
      Envelope e = Envelope.read(b.view(), "mem:t");
      assertEquals(Envelope.ERROR, e.kind());
      assertEquals(-5, e.correlationId());
      Envelope.Failure f = Envelope.Failure.read(e.payload(), "mem:t");
      assertEquals("java.lang.IllegalStateException", f.exceptionClass());
      assertEquals("nö", f.message());
    } finally {
      b.release();
    }
  }

  @Test
  @Timeout(10)
  void brokenEnvelopesAreProtocolErrorsNamingTheUri() {
    ProtocolException shortOne = assertThrows(ProtocolException.class,
        () -> Envelope.read(ByteBuffer.wrap(new byte[] {1, 2, 3}), "mem:where"));
    assertTrue(shortOne.getMessage().contains("mem:where"), shortOne.getMessage());
    assertTrue(shortOne.getMessage().contains("got 3"), shortOne.getMessage());

    ProtocolException unknown = assertThrows(ProtocolException.class,
        () -> Envelope.read(ByteBuffer.wrap(new byte[] {9, 0, 0, 0, 0, 0, 0, 0, 0}), "mem:t"));
    assertTrue(unknown.getMessage().contains("unknown kind 9"), unknown.getMessage());

    byte[] typeTooLong = {4, 0, 0, 0, 0, 0, 0, 0, 0, 5, 'a', 'b'};
    assertThrows(ProtocolException.class, () -> Envelope.read(ByteBuffer.wrap(typeTooLong), "mem:t"));
    byte[] emptyType = {4, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    assertThrows(ProtocolException.class, () -> Envelope.read(ByteBuffer.wrap(emptyType), "mem:t"));
  }

  @Test
  @Timeout(10)
  void eventTypesAreLimitedTo255Bytes() {
    assertEquals(255, Envelope.typeBytes("x".repeat(255)).length);
    assertThrows(IllegalArgumentException.class, () -> Envelope.typeBytes("x".repeat(256)));
    assertThrows(IllegalArgumentException.class, () -> Envelope.typeBytes(""));
    // 128 two-byte characters: short in chars, too long in bytes
    assertThrows(IllegalArgumentException.class, () -> Envelope.typeBytes("é".repeat(128)));
  }
}
