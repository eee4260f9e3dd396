package dev.ipckit.codec;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.io.ByteBufferInput;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.KryoBufferUnderflowException;
import com.esotericsoftware.kryo.io.Output;
import com.esotericsoftware.kryo.util.Pool;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Compact binary encoding of Java objects with Kryo 5, for Java talking to Java. Needs
 * {@code com.esotericsoftware:kryo} on the class path.
 *
 * <pre>{@code
 * Codec<Order> orders = KryoCodec.builder()
 *     .register(Order.class, Item.class, ArrayList.class)
 *     .build(Order.class);
 * }</pre>
 *
 * <p><b>Registration is required.</b> Every class that appears in a message, nested ones
 * included, must be registered, on both ends, in the same order: the bytes carry the
 * registration number, not the class name. This is a security boundary, not a formality: Kryo
 * with registration off reads class names from the bytes and instantiates them, which lets a
 * peer choose the classes your process creates. Primitives, their wrappers and {@code String}
 * are registered by Kryo itself. A class that is not registered fails with a
 * {@link CodecException} that names it and says how to register it.
 *
 * <p>Registration does not bound the sizes a message declares (an array length, a collection
 * size): decode Kryo only from peers you trust not to exhaust your memory, or use
 * {@link JsonCodec}, whose reader has limits.
 *
 * <p><b>Threading.</b> Kryo instances are not thread-safe; this codec keeps a small pool of them,
 * each with its own reusable buffers, so it may be shared by any number of threads.
 *
 * @param <T> the type of value carried; {@link Object} for any registered class
 */
public final class KryoCodec<T> implements Codec<T> {
  /** Depth past which decoding stops: hostile bytes must not overflow the reading thread's stack. */
  static final int MAX_DEPTH = 512;
  private static final int POOL_SIZE = 32;
  private static final int OUTPUT_BUFFER = 8192;
  private static final byte[] EMPTY = new byte[0];
  private static final ByteBuffer EMPTY_BUFFER = ByteBuffer.wrap(EMPTY);

  private final Class<T> type;
  private final String name;
  private final List<Class<?>> registrations;
  private final Consumer<Kryo> configurer;
  private final Pool<Context> pool;

  private KryoCodec(Class<T> type, List<Class<?>> registrations, Consumer<Kryo> configurer) {
    this.type = type;
    this.name = "kryo(" + type.getSimpleName() + ")";
    this.registrations = List.copyOf(registrations);
    this.configurer = configurer;
    this.pool = new Pool<>(true, false, POOL_SIZE) {
      @Override
      protected Context create() {
        return new Context(newKryo());
      }
    };
  }

  /** Starts a codec; list the classes to register. */
  public static Builder builder() {
    return new Builder();
  }

  /** The classes this codec registers, in registration order (Kryo's own defaults excluded). */
  public List<Class<?>> registrations() {
    return registrations;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public void encode(T value, OutputStream out) throws IOException {
    Context c = pool.obtain();
    boolean reusable = false;
    try {
      c.output.setOutputStream(out);
      c.kryo.writeClassAndObject(c.output, value);
      c.output.flush();
      reusable = true;
    } catch (KryoException | IllegalArgumentException e) {
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      throw failure(c, "cannot encode " + describe(value), e);
    } finally {
      c.output.setOutputStream(null);
      release(c, reusable);
    }
  }

  @Override
  public T decode(ByteBuffer message) throws CodecException {
    Context c = pool.obtain();
    boolean reusable = false;
    int size = message.remaining();
    try {
      Input in;
      if (message.hasArray()) {
        in = c.input;
        in.setBuffer(message.array(), message.arrayOffset() + message.position(), size);
      } else {
        // read-only and direct buffers have no accessible array; a duplicate keeps the
        // caller's position untouched
        in = c.bufferInput;
        c.bufferInput.setBuffer(message.duplicate());
      }
      Object value = c.kryo.readClassAndObject(in);
      int trailing = in.limit() - in.position();
      reusable = true;
      if (trailing != 0) {
        throw new CodecException(name, trailing + " bytes left over after the value in a message of "
            + size + " bytes (the peer's codec differs?)");
      }
      if (value != null && !type.isInstance(value)) {
        throw new CodecException(name, "expected a " + type.getName() + " but the message holds a "
            + value.getClass().getName());
      }
      return type.cast(value);
    } catch (KryoBufferUnderflowException e) {
      throw new CodecException(name, "truncated message of " + size + " bytes", e);
    } catch (RuntimeException | StackOverflowError e) {
      // hostile or foreign bytes can break Kryo in many ways; all of them mean "not a message"
      throw failure(c, "cannot decode a message of " + size + " bytes", e);
    } finally {
      c.input.setBuffer(EMPTY);
      c.bufferInput.setBuffer(EMPTY_BUFFER);
      release(c, reusable);
    }
  }

  private void release(Context c, boolean reusable) {
    c.kryo.unregistered = null;
    // after a failure the instance may hold half a graph; a fresh one is cheaper than doubt
    if (reusable) {
      pool.free(c);
    }
  }

  private CodecException failure(Context c, String what, Throwable e) {
    Class<?> missing = c.kryo.unregistered;
    if (missing != null) {
      return new CodecException(name, what + ": class " + missing.getTypeName()
          + " is not registered. Register it on both ends, in the same order: KryoCodec.builder()"
          + ".register(" + missing.getTypeName() + ".class)", e);
    }
    String m = e.getMessage();
    if (m != null && m.startsWith("Encountered unregistered class ID")) {
      return new CodecException(name, what + ": the bytes name class id " + m.replaceAll("\\D+", "")
          + ", which is not registered here (both ends must register the same classes in the "
          + "same order)", e);
    }
    return new CodecException(name, what + ": " + firstLine(m, e), e);
  }

  private RegistrationTracking newKryo() {
    RegistrationTracking kryo = new RegistrationTracking();
    kryo.setRegistrationRequired(true);
    kryo.setMaxDepth(MAX_DEPTH);
    for (Class<?> c : registrations) {
      kryo.register(c);
    }
    configurer.accept(kryo);
    return kryo;
  }

  private static String describe(Object value) {
    return value == null ? "null" : "a " + value.getClass().getName();
  }

  private static String firstLine(String m, Throwable e) {
    if (m == null) {
      return e.getClass().getSimpleName();
    }
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
  }

  @Override
  public String toString() {
    return "KryoCodec[" + name + ", " + registrations.size() + " registrations]";
  }

  /** Collects the classes to register and builds the codec. */
  public static final class Builder {
    private final List<Class<?>> registrations = new ArrayList<>();
    private Consumer<Kryo> configurer = k -> {};

    private Builder() {}

    /**
     * Registers {@code types}, in this order, after Kryo's defaults. The peer must register the
     * same classes in the same order.
     */
    public Builder register(Class<?>... types) {
      for (Class<?> t : types) {
        registrations.add(Objects.requireNonNull(t, "type"));
      }
      return this;
    }

    /**
     * Runs {@code configurer} on every Kryo instance the codec creates, after the registrations:
     * custom serializers, instantiator strategies, references. Turning registration off here
     * brings back the attack described on {@link KryoCodec}; do so only between trusted peers.
     */
    public Builder configure(Consumer<Kryo> configurer) {
      Consumer<Kryo> before = this.configurer;
      Consumer<Kryo> next = Objects.requireNonNull(configurer, "configurer");
      this.configurer = k -> {
        before.accept(k);
        next.accept(k);
      };
      return this;
    }

    /** A codec for any registered class. */
    public KryoCodec<Object> build() {
      return build(Object.class);
    }

    /** A codec whose messages must hold a {@code type} (or null); anything else is an error. */
    public <T> KryoCodec<T> build(Class<T> type) {
      if (type.isPrimitive()) {
        throw new IllegalArgumentException("use the wrapper class of " + type + ", e.g. Integer.class");
      }
      KryoCodec<T> codec = new KryoCodec<>(type, registrations, configurer);
      // fail here, not on the first message, if a registration or the configurer is broken
      codec.pool.free(codec.pool.obtain());
      return codec;
    }

    @Override
    public String toString() {
      return "KryoCodec.Builder" + Arrays.toString(registrations.toArray());
    }
  }

  /** One Kryo with its buffers; used by one thread at a time, through the pool. */
  private static final class Context {
    final RegistrationTracking kryo;
    final Output output = new Output(OUTPUT_BUFFER);
    final Input input = new Input();
    final ByteBufferInput bufferInput = new ByteBufferInput();

    Context(RegistrationTracking kryo) {
      this.kryo = kryo;
    }
  }

  /** Remembers which class was missing, so the error names it without parsing Kryo's text. */
  private static final class RegistrationTracking extends Kryo {
    Class<?> unregistered;

    @Override
    @SuppressWarnings("rawtypes")
    protected String unregisteredClassMessage(Class type) {
      unregistered = type;
      return super.unregisteredClassMessage(type);
    }
  }
}
