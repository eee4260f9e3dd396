package dev.ipckit.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ipckit.ProtocolException;
import dev.ipckit.codec.Shapes.Order;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class JsonCodecTest {
  private final JsonCodec<Order> orders = JsonCodec.of(Order.class);

  @Test
  @Timeout(10)
  void nestedRecordsRoundTrip() throws Exception {
    Order o = Shapes.sampleOrder(7);
    assertEquals(o, orders.decode(orders.encode(o)));
  }

  @Test
  @Timeout(10)
  void theBytesArePlainUtf8Json() throws Exception {
    String json = new String(SimpleCodecsTest.toArray(orders.encode(Shapes.sampleOrder(7))),
        StandardCharsets.UTF_8);
    assertTrue(json.startsWith("{\"id\":7,\"customer\":\"Zoë Ångström"), json);
    assertTrue(json.contains("\"ключ\":7"), json);
  }

  @Test
  @Timeout(10)
  void treeAndMapReadWhatAnotherLanguageSends() throws Exception {
    byte[] fromNode = "{\"cmd\":\"job\",\"args\":[1,\"zwei\",{\"drei\":3.5}],\"ok\":true,\"none\":null}"
        .getBytes(StandardCharsets.UTF_8);
    JsonNode tree = JsonCodec.TREE.decode(ByteBuffer.wrap(fromNode));
    assertEquals("zwei", tree.get("args").get(1).asText());
    assertEquals(3.5, tree.get("args").get(2).get("drei").asDouble());

    Map<String, Object> map = JsonCodec.MAP.decode(ByteBuffer.wrap(fromNode).asReadOnlyBuffer());
    assertEquals(List.of(1, "zwei", Map.of("drei", 3.5)), map.get("args"));
    assertEquals(Boolean.TRUE, map.get("ok"));
    assertTrue(map.containsKey("none"));
    assertEquals(map, JsonCodec.MAP.decode(JsonCodec.MAP.encode(map)));
  }

  @Test
  @Timeout(10)
  void aDirectBufferIsDecodedToo() throws Exception {
    ByteBuffer encoded = orders.encode(Shapes.sampleOrder(3));
    ByteBuffer direct = ByteBuffer.allocateDirect(encoded.remaining()).put(encoded).flip();
    assertEquals(Shapes.sampleOrder(3), orders.decode(direct));
  }

  @Test
  @Timeout(10)
  void trailingTokensAndGarbageAreErrorsNamingTheCodec() {
    CodecException trailing = assertThrows(CodecException.class,
        () -> JsonCodec.TREE.decode(utf8("{\"a\":1} {\"b\":2}")));
    assertTrue(trailing.getMessage().startsWith("codec json(JsonNode):"), trailing.getMessage());

    CodecException garbage = assertThrows(CodecException.class, () -> orders.decode(utf8("{\"id\":")));
    assertTrue(garbage.getMessage().contains("json(Order)"), garbage.getMessage());
    assertTrue(garbage instanceof ProtocolException);

    assertThrows(CodecException.class, () -> orders.decode(utf8("")));
  }

  @Test
  @Timeout(10)
  void aValueJacksonCannotWriteIsACodecException() {
    JsonCodec<Object> any = JsonCodec.of(Object.class);
    CodecException e = assertThrows(CodecException.class, () -> any.encode(new Object()));
    assertTrue(e.getMessage().contains("cannot encode a java.lang.Object"), e.getMessage());
  }

  private static ByteBuffer utf8(String s) {
    return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
  }
}
