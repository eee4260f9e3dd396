package dev.ipckit.codec;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Nested test values, shared by the codec and channel tests. */
public final class Shapes {
  private Shapes() {}

  public record Item(String name, int quantity, double price) {}

  public record Order(long id, String customer, List<Item> items, Map<String, Integer> tags) {}

  /** An order with non-ASCII text at every level. */
  public static Order sampleOrder(long id) {
    List<Item> items = new ArrayList<>();
    items.add(new Item("Grüner Tee 緑茶", 2, 4.5));
    items.add(new Item("emoji \uD83C\uDF75 and \u00e9", 1, 0.25));
    Map<String, Integer> tags = new LinkedHashMap<>();
    tags.put("priorité", 1);
    tags.put("ключ", id > 0 ? (int) id : -1);
    return new Order(id, "Zoë Ångström – \u4e16\u754c", items, tags);
  }

  /** A Kryo codec for {@link Order} with everything it holds registered. */
  public static KryoCodec<Order> kryoOrders() {
    return KryoCodec.builder()
        .register(Order.class, Item.class, ArrayList.class, LinkedHashMap.class)
        .build(Order.class);
  }
}
