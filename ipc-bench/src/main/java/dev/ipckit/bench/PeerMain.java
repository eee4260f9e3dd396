package dev.ipckit.bench;

import java.nio.ByteBuffer;

/**
 * The child side of a row: {@code PeerMain ROW ADDRESS SIZE SEND_NANOS}. Connects, sends
 * messages of SIZE bytes for SEND_NANOS followed by the stop marker, then echoes until the end
 * marker. Exits 0 on success, 1 with a stack trace otherwise.
 */
public final class PeerMain {
  private PeerMain() {}

  public static void main(String[] args) {
    try {
      if (args.length != 4) {
        throw new IllegalArgumentException("usage: PeerMain ROW ADDRESS SIZE SEND_NANOS");
      }
      Row row = Rows.named(args[0]);
      int size = Integer.parseInt(args[2]);
      long sendNanos = Long.parseLong(args[3]);
      try (BenchLink link = row.peer(args[1])) {
        link.sendFor(payload(size), sendNanos);
        link.echo();
      }
    } catch (Throwable t) {
      System.err.println("ipc bench peer (" + String.join(" ", args) + ") failed:");
      t.printStackTrace();
      System.exit(1);
    }
    System.exit(0);
  }

  /** A heap buffer of {@code size} patterned bytes, as an application's message would be. */
  static ByteBuffer payload(int size) {
    ByteBuffer b = ByteBuffer.allocate(size);
    for (int i = 0; i < size; i++) {
      b.put(i, (byte) (i * 31));
    }
    return b;
  }
}
