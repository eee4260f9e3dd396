package dev.ipckit.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.io.Output;
import dev.ipckit.codec.Shapes.Item;
import dev.ipckit.codec.Shapes.Order;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class KryoCodecTest {

  /** Counts its constructions: the proof that decoding did or did not instantiate it. */
  public static final class Canary {
    static final AtomicInteger CREATED = new AtomicInteger();
    public String note = "hello";

    public Canary() {
      CREATED.incrementAndGet();
    }
  }

  public static final class Holder {
    public Item item;
  }

  @Test
  @Timeout(10)
  void nestedObjectsRoundTrip() throws Exception {
    KryoCodec<Order> codec = Shapes.kryoOrders();
    Order o = Shapes.sampleOrder(42);
    assertEquals(o, codec.decode(codec.encode(o)));
    ByteBuffer encoded = codec.encode(o);
    assertEquals(o, codec.decode(encoded.asReadOnlyBuffer()), "read-only view, via ByteBufferInput");
  }

  @Test
  @Timeout(10)
  void aMessageLargerThanKryosOutputBufferIsWrittenWhole() throws Exception {
    KryoCodec<Order> codec = Shapes.kryoOrders();
    Order big = Shapes.sampleOrder(5);
    for (int i = 0; i < 2000; i++) {
      big.items().add(new Item("item " + i + " ü".repeat(i % 7), i, i / 3.0));
    }
    ByteBuffer encoded = codec.encode(big);
    assertTrue(encoded.remaining() > 4 * 8192, "only " + encoded.remaining() + " bytes");
    assertEquals(big, codec.decode(encoded));
    assertEquals(big, codec.decode(encoded.asReadOnlyBuffer()));
  }

  @Test
  @Timeout(10)
  void anObjectCodecCarriesAnyRegisteredClassAndNull() throws Exception {
    KryoCodec<Object> codec = KryoCodec.builder().register(Item.class).build();
    Item item = new Item("ü", 1, 2.0);
    assertEquals(item, codec.decode(codec.encode(item)));
    assertEquals("text", codec.decode(codec.encode("text")));
    assertEquals(12L, codec.decode(codec.encode(12L)));
    assertNull(codec.decode(codec.encode(null)));
  }

  @Test
  @Timeout(10)
  void anUnregisteredClassIsRefusedOnEncodeWithHowToRegisterIt() {
    // Holder is registered, the Item inside it is not
    KryoCodec<Holder> codec = KryoCodec.builder().register(Holder.class).build(Holder.class);
    Holder h = new Holder();
    h.item = new Item("x", 1, 1);
    CodecException e = assertThrows(CodecException.class, () -> codec.encode(h));
    assertTrue(e.getMessage().startsWith("codec kryo(Holder):"), e.getMessage());
    assertTrue(e.getMessage().contains("class " + Item.class.getTypeName() + " is not registered"),
        e.getMessage());
    assertTrue(e.getMessage().contains(".register(" + Item.class.getTypeName() + ".class)"), e.getMessage());
  }

  @Test
  @Timeout(10)
  void bytesNamingAnUnregisteredClassAreRefusedWithoutInstantiatingIt() throws Exception {
    // what an attacker sends: Kryo with registration off writes the class name into the bytes
    Kryo open = new Kryo();
    open.setRegistrationRequired(false);
    Output out = new Output(256, -1);
    open.writeClassAndObject(out, new Canary());
    byte[] hostile = out.toBytes();
    int createdBefore = Canary.CREATED.get();

    KryoCodec<Object> codec = KryoCodec.builder().register(Item.class).build();
    CodecException e = assertThrows(CodecException.class, () -> codec.decode(ByteBuffer.wrap(hostile)));
    assertTrue(e.getMessage().contains(Canary.class.getTypeName() + " is not registered"), e.getMessage());
    assertEquals(createdBefore, Canary.CREATED.get(), "the codec instantiated a class named by the bytes");
  }

  @Test
  @Timeout(10)
  void registrationsThatDifferBetweenEndsAreReported() throws Exception {
    KryoCodec<Object> writer = KryoCodec.builder().register(Holder.class, Item.class).build();
    KryoCodec<Object> reader = KryoCodec.builder().register(Holder.class).build();
    ByteBuffer bytes = writer.encode(new Item("a", 1, 1));
    CodecException e = assertThrows(CodecException.class, () -> reader.decode(bytes));
    assertTrue(e.getMessage().contains("which is not registered here"), e.getMessage());
  }

  @Test
  @Timeout(10)
  void truncatedTrailingAndMistypedMessagesAreErrors() throws Exception {
    KryoCodec<Order> codec = Shapes.kryoOrders();
    byte[] whole = SimpleCodecsTest.toArray(codec.encode(Shapes.sampleOrder(1)));

    ByteBuffer truncated = ByteBuffer.wrap(whole, 0, whole.length - 3);
    assertThrows(CodecException.class, () -> codec.decode(truncated));

    byte[] longer = java.util.Arrays.copyOf(whole, whole.length + 2);
    CodecException trailing = assertThrows(CodecException.class, () -> codec.decode(ByteBuffer.wrap(longer)));
    assertTrue(trailing.getMessage().contains("2 bytes left over"), trailing.getMessage());

    KryoCodec<Object> any = KryoCodec.builder()
        .register(Order.class, Item.class, ArrayList.class, java.util.LinkedHashMap.class).build();
    CodecException mistyped = assertThrows(CodecException.class, () -> codec.decode(any.encode("a string")));
    assertTrue(mistyped.getMessage().contains("expected a " + Order.class.getName()), mistyped.getMessage());
  }

  @Test
  @Timeout(30)
  void oneCodecServesManyThreadsAtOnce() throws Exception {
    KryoCodec<Order> codec = Shapes.kryoOrders();
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<Integer>> results = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        int thread = t;
        Callable<Integer> work = () -> {
          for (int i = 0; i < 2000; i++) {
            Order o = Shapes.sampleOrder(thread * 100_000L + i);
            Order back = codec.decode(codec.encode(o));
            if (!o.equals(back)) {
              throw new AssertionError("thread " + thread + " message " + i + ": " + back);
            }
          }
          return thread;
        };
        results.add(pool.submit(work));
      }
      for (Future<Integer> f : results) {
        f.get(20, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  @Timeout(10)
  void aPrimitiveTypeIsRefusedAtBuildTime() {
    assertThrows(IllegalArgumentException.class, () -> KryoCodec.builder().build(int.class));
  }
}
