package dev.ipckit.codec;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.util.ByteBufferBackedInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.Map;

/**
 * UTF-8 JSON through Jackson: for talking to other languages (Node, Python, ...) and for
 * messages a person may read. Needs {@code com.fasterxml.jackson.core:jackson-databind} on the
 * class path.
 *
 * <pre>{@code
 * Codec<Order> orders = JsonCodec.of(Order.class);          // records and beans
 * Codec<JsonNode> any = JsonCodec.TREE;                      // whatever the peer sends
 * }</pre>
 *
 * <p>Decoding is strict about the framing: a message holds exactly one JSON value, and trailing
 * tokens are an error. Jackson's default {@code StreamReadConstraints} bound nesting depth and
 * string and number lengths, and polymorphic typing stays off, so bytes from a peer cannot name
 * classes to instantiate.
 *
 * @param <T> the type of value carried
 */
public final class JsonCodec<T> implements Codec<T> {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** Any JSON value as a Jackson tree. */
  public static final JsonCodec<JsonNode> TREE = of(JsonNode.class);

  /** A JSON object as a {@code Map} of strings, numbers, booleans, lists, maps and nulls. */
  public static final JsonCodec<Map<String, Object>> MAP = of(new TypeReference<Map<String, Object>>() {});

  private final String name;
  private final ObjectReader reader;
  private final ObjectWriter writer;

  private JsonCodec(String name, ObjectMapper mapper, JavaType type) {
    this.name = name;
    this.reader = mapper.readerFor(type).with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    // the stream belongs to the caller: Jackson must not close it
    this.writer = mapper.writerFor(type).without(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
  }

  /** JSON for {@code type}, with a default {@link ObjectMapper}. */
  public static <T> JsonCodec<T> of(Class<T> type) {
    return of(type, MAPPER);
  }

  /** JSON for {@code type}, configured by {@code mapper} (modules, naming, features). */
  public static <T> JsonCodec<T> of(Class<T> type, ObjectMapper mapper) {
    return new JsonCodec<>("json(" + type.getSimpleName() + ")", mapper, mapper.constructType(type));
  }

  /** JSON for a generic type, e.g. {@code new TypeReference<List<Order>>() {}}. */
  public static <T> JsonCodec<T> of(TypeReference<T> type) {
    return of(type, MAPPER);
  }

  /** JSON for a generic type, configured by {@code mapper}. */
  public static <T> JsonCodec<T> of(TypeReference<T> type, ObjectMapper mapper) {
    JavaType t = mapper.constructType(type);
    return new JsonCodec<>("json(" + t.toCanonical() + ")", mapper, t);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public void encode(T value, OutputStream out) throws IOException {
    try {
      writer.writeValue(out, value);
    } catch (JsonProcessingException e) {
      throw new CodecException(name, "cannot encode " + describe(value) + ": " + e.getOriginalMessage(), e);
    }
  }

  @Override
  public T decode(ByteBuffer message) throws CodecException {
    try {
      if (message.hasArray()) {
        return reader.readValue(message.array(), message.arrayOffset() + message.position(),
            message.remaining());
      }
      return reader.readValue(new ByteBufferBackedInputStream(message.duplicate()));
    } catch (JsonProcessingException e) {
      throw new CodecException(name, "invalid message of " + message.remaining() + " bytes: "
          + e.getOriginalMessage(), e);
    } catch (IOException e) {
      // only the in-memory stream above is read, so this is a decoding failure too
      throw new CodecException(name, "cannot decode: " + e.getMessage(), e);
    }
  }

  private static String describe(Object value) {
    return value == null ? "null" : "a " + value.getClass().getName();
  }

  @Override
  public String toString() {
    return "JsonCodec[" + name + "]";
  }
}
