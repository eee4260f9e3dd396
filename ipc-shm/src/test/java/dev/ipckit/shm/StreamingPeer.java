package dev.ipckit.shm;

import dev.ipckit.Channel;
import dev.ipckit.Channels;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import java.util.zip.CRC32;

/**
 * A child process that writes numbered, checksummed messages of random sizes as fast as it can
 * until it is killed: {@code StreamingPeer URI}. Most are up to 8 KiB, every 64th up to 512 KiB.
 * Each message is
 * {@code [long sequence][int crc32 of the rest][random bytes]}.
 */
public final class StreamingPeer {
  private StreamingPeer() {}

  public static void main(String[] args) throws Exception {
    try (Channel ch = Channels.open(args[0])) {
      SplittableRandom random = new SplittableRandom(42);
      for (long seq = 0; ; seq++) {
        ch.send(message(seq, random));
      }
    }
  }

  static ByteBuffer message(long seq, SplittableRandom random) {
    // every 64th message is large (up to 512 KiB), so a kill often lands in the middle of writing one
    int size = 12 + random.nextInt(seq % 64 == 63 ? 512 << 10 : 8192);
    ByteBuffer b = ByteBuffer.allocate(size);
    b.putLong(seq).putInt(0);
    while (b.hasRemaining()) {
      b.put((byte) random.nextInt());
    }
    b.putInt(8, crc(b, 12, size - 12));
    return b.flip();
  }

  /** Checks one message: returns its sequence number, or throws naming what is wrong. */
  static long check(ByteBuffer m) {
    if (m.remaining() < 12) {
      throw new AssertionError("a message of " + m.remaining() + " bytes: torn or foreign");
    }
    int expected = m.getInt(m.position() + 8);
    int actual = crc(m, m.position() + 12, m.remaining() - 12);
    if (expected != actual) {
      throw new AssertionError("message " + m.getLong(m.position()) + " of " + m.remaining()
          + " bytes fails its checksum: torn");
    }
    return m.getLong(m.position());
  }

  private static int crc(ByteBuffer b, int from, int length) {
    CRC32 crc = new CRC32();
    crc.update(b.duplicate().position(from).limit(from + length));
    return (int) crc.getValue();
  }
}
