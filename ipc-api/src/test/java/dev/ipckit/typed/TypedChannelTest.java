package dev.ipckit.typed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ipckit.ChannelClosedException;
import dev.ipckit.ProtocolException;
import dev.ipckit.codec.BytesCodec;
import dev.ipckit.codec.Codec;
import dev.ipckit.codec.CodecException;
import dev.ipckit.codec.JsonCodec;
import dev.ipckit.codec.Shapes;
import dev.ipckit.codec.Shapes.Order;
import dev.ipckit.codec.StringCodec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Every codec over a real channel (mem:), both directions. */
class TypedChannelTest {
  private static final Duration WAIT = Duration.ofSeconds(5);

  @Test
  @Timeout(10)
  void kryoCarriesNestedObjects() throws Exception {
    assertRoundTrips(Shapes.kryoOrders(), List.of(Shapes.sampleOrder(1), Shapes.sampleOrder(-2)));
  }

  @Test
  @Timeout(10)
  void jsonCarriesNestedObjects() throws Exception {
    assertRoundTrips(JsonCodec.of(Order.class), List.of(Shapes.sampleOrder(1), Shapes.sampleOrder(99)));
  }

  @Test
  @Timeout(10)
  void jsonTreeCarriesAnyJson() throws Exception {
    Codec<JsonNode> tree = JsonCodec.TREE;
    JsonNode a = tree.decode(utf8("{\"héllo\":[1,{\"wörld\":\"\uD83C\uDF0D\"}]}"));
    JsonNode b = tree.decode(utf8("\"just a string, ñ\""));
    assertRoundTrips(tree, List.of(a, b));
  }

  @Test
  @Timeout(10)
  void stringsKeepEveryCharacter() throws Exception {
    assertRoundTrips(StringCodec.UTF_8, List.of("", "ascii", "Grüße 世界 \uD83C\uDF0D ñ", "x".repeat(100_000)));
  }

  @Test
  @Timeout(10)
  void bytesArriveIdentical() throws Exception {
    byte[] big = new byte[300_000];
    new java.util.Random(7).nextBytes(big);
    try (MemPair p = MemPair.open()) {
      TypedChannel<byte[]> a = TypedChannel.of(p.client(), BytesCodec.BYTES);
      TypedChannel<byte[]> b = TypedChannel.of(p.serverEnd(), BytesCodec.BYTES);
      for (byte[] m : new byte[][] {new byte[0], {1}, big}) {
        a.send(m);
        assertArrayEquals(m, b.receive(WAIT));
      }
    }
  }

  @Test
  @Timeout(10)
  void aTypedMessageIsExactlyTheCodecsBytes() throws Exception {
    try (MemPair p = MemPair.open()) {
      TypedChannel.of(p.client(), StringCodec.UTF_8).send("né");
      ByteBuffer raw = p.serverEnd().receive(WAIT);
      assertEquals(ByteBuffer.wrap("né".getBytes(StandardCharsets.UTF_8)), raw);
    }
  }

  @Test
  @Timeout(10)
  void receiveReturnsNullOnTimeout() throws Exception {
    try (MemPair p = MemPair.open()) {
      TypedChannel<String> b = TypedChannel.of(p.serverEnd(), StringCodec.UTF_8);
      long start = System.nanoTime();
      assertNull(b.receive(Duration.ofMillis(100)));
      assertTrue(System.nanoTime() - start >= 90_000_000L, "returned before the timeout");
    }
  }

  @Test
  @Timeout(10)
  void aBadMessageFailsThatReceiveOnly() throws Exception {
    try (MemPair p = MemPair.open()) {
      TypedChannel<String> b = TypedChannel.of(p.serverEnd(), StringCodec.UTF_8);
      p.client().send(new byte[] {(byte) 0xFF});
      p.client().send("after".getBytes(StandardCharsets.UTF_8));
      assertThrows(CodecException.class, () -> b.receive(WAIT));
      assertEquals("after", b.receive(WAIT));
    }
  }

  @Test
  @Timeout(10)
  void nullIsNotCarriedEitherWay() throws Exception {
    try (MemPair p = MemPair.open()) {
      TypedChannel<JsonNode> a = TypedChannel.of(p.client(), JsonCodec.TREE);
      assertThrows(NullPointerException.class, () -> a.send(null));
      TypedChannel<Object> b = TypedChannel.of(p.serverEnd(), JsonCodec.of(Object.class));
      p.client().send("null".getBytes(StandardCharsets.UTF_8));
      ProtocolException e = assertThrows(ProtocolException.class, () -> b.receive(WAIT));
      assertTrue(e.getMessage().contains("decoded a null"), e.getMessage());
    }
  }

  @Test
  @Timeout(10)
  void closeClosesTheChannelAndThePeerLearnsIt() throws Exception {
    try (MemPair p = MemPair.open()) {
      TypedChannel<String> a = TypedChannel.of(p.client(), StringCodec.UTF_8);
      TypedChannel<String> b = TypedChannel.of(p.serverEnd(), StringCodec.UTF_8);
      a.close();
      a.close();
      assertFalse(a.isOpen());
      assertFalse(p.client().isOpen());
      assertThrows(ChannelClosedException.class, () -> a.send("x"));
      assertThrows(ChannelClosedException.class, () -> b.receive(WAIT));
    }
  }

  private static <T> void assertRoundTrips(Codec<T> codec, List<T> values) throws Exception {
    Set<Thread> before = ThreadLeaks.ipckitThreads();
    try (MemPair p = MemPair.open()) {
      TypedChannel<T> a = TypedChannel.of(p.client(), codec);
      TypedChannel<T> b = TypedChannel.of(p.serverEnd(), codec);
      for (T v : values) {
        a.send(v);
        assertEquals(v, b.receive(WAIT), codec.name() + " client to server");
        b.send(v);
        assertEquals(v, a.receive(WAIT), codec.name() + " server to client");
      }
    }
    ThreadLeaks.assertNoneBeyond(before);
  }

  private static ByteBuffer utf8(String s) {
    return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
  }
}
