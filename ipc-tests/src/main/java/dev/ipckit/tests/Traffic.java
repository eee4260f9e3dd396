package dev.ipckit.tests;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import java.util.zip.CRC32;

/**
 * Self-checking message streams: a {@link Generator} makes messages of random sizes that carry
 * their own sequence number and checksum, a {@link Verifier} checks them in order without knowing
 * the generator's seed, so the two can run in different processes.
 *
 * <pre>
 * message of 8 bytes or more:
 *   0        4        8                                   size
 *   +--------+--------+-----------------------------------+
 *   | seq    | crc32  | pseudo-random payload             |
 *   | u32 BE | u32 BE | (crc32 covers seq and payload)    |
 *   +--------+--------+-----------------------------------+
 * message of 0 to 7 bytes: byte i = pattern(seq, i), checked byte by byte
 *
 * end marker (16 bytes): "IPCK-END" | count u64 BE
 * </pre>
 *
 * A lost, duplicated, reordered, truncated or corrupted message makes {@link Verifier#check} fail
 * with a message saying which one and how.
 */
public final class Traffic {
  /** Size of the seq + crc header of a message of 8 bytes or more. */
  public static final int HEADER = 8;
  /** The largest message a {@link Generator} makes. */
  public static final int MAX_SIZE = 1 << 20;

  private static final byte[] END_MAGIC = "IPCK-END".getBytes(StandardCharsets.US_ASCII);
  private static final int END_SIZE = 16;

  private Traffic() {}

  /** The message that ends a stream of {@code count} messages. */
  public static ByteBuffer endMarker(long count) {
    ByteBuffer b = ByteBuffer.allocate(END_SIZE);
    b.put(END_MAGIC).putLong(count).flip();
    return b;
  }

  /** The count an end marker carries, or -1 if {@code m} is not an end marker. */
  public static long endCount(ByteBuffer m) {
    if (m.remaining() != END_SIZE) {
      return -1;
    }
    int p = m.position();
    for (int i = 0; i < END_MAGIC.length; i++) {
      if (m.get(p + i) != END_MAGIC[i]) {
        return -1;
      }
    }
    return m.getLong(p + END_MAGIC.length);
  }

  static byte pattern(long seq, int i) {
    return (byte) ((seq >>> (8 * (i & 3))) ^ (0x5A + 31 * i));
  }

  static int crc(ByteBuffer m) {
    CRC32 crc = new CRC32();
    int p = m.position();
    crc.update(m.duplicate().limit(p + 4));
    crc.update(m.duplicate().position(p + HEADER));
    return (int) crc.getValue();
  }

  /**
   * Makes the messages of one stream. Sizes: mostly 0 to 2 KiB, one in 16 of them 0 to 7 bytes
   * (the empty message included), and message 9,999 of every 10,000 between 256 KiB and 1 MiB.
   *
   * <p>{@link #next} reuses one buffer for every message, so a transport that does not copy on
   * send corrupts the stream and is caught. Not thread-safe: one generator per sending thread.
   */
  public static final class Generator {
    private final SplittableRandom random;
    private final long seed;
    private final int maxSmall;
    private final byte[] buf = new byte[MAX_SIZE];
    private final ByteBuffer view = ByteBuffer.wrap(buf);
    private long seq;
    private long bytes;

    public Generator(long seed) {
      this(seed, 2048);
    }

    /** Messages mostly between 0 and {@code maxSmall} bytes, with a few large ones. */
    public Generator(long seed, int maxSmall) {
      this.random = new SplittableRandom(seed);
      this.seed = seed;
      this.maxSmall = maxSmall;
    }

    private int nextSize() {
      if (seq % 10_000 == 9_999) {
        return (256 << 10) + random.nextInt(768 << 10);
      }
      if (random.nextInt(16) == 0) {
        return random.nextInt(HEADER);
      }
      return random.nextInt(maxSmall + 1);
    }

    /** The next message: a view of this generator's buffer, valid until the next call. */
    public ByteBuffer next() {
      int size = nextSize();
      if (size < HEADER) {
        for (int i = 0; i < size; i++) {
          buf[i] = pattern(seq, i);
        }
      } else {
        long x = seed * 0x9E3779B97F4A7C15L + seq;
        int i = HEADER;
        for (; i + 8 <= size; i += 8) {
          x = mix(x);
          view.putLong(i, x);
        }
        x = mix(x);
        for (; i < size; i++, x >>>= 8) {
          buf[i] = (byte) x;
        }
        view.putInt(0, (int) seq);
        ByteBuffer m = ByteBuffer.wrap(buf, 0, size);
        view.putInt(4, crc(m));
      }
      seq++;
      bytes += size;
      return ByteBuffer.wrap(buf, 0, size);
    }

    /** How many messages {@link #next} has made. */
    public long count() {
      return seq;
    }

    public long bytes() {
      return bytes;
    }

    private static long mix(long z) {
      z += 0x9E3779B97F4A7C15L;
      z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
      z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
      return z ^ (z >>> 31);
    }
  }

  /** Checks one stream's messages in order. Not thread-safe. */
  public static final class Verifier {
    private final String name;
    private long count;
    private long bytes;

    public Verifier() {
      this("stream");
    }

    /** {@code name} says which stream in failure messages. */
    public Verifier(String name) {
      this.name = name;
    }

    /**
     * Checks that {@code m} (its remaining bytes; not consumed) is the next message of the stream.
     *
     * @throws IllegalStateException saying which message is wrong and how
     */
    public void check(ByteBuffer m) {
      int size = m.remaining();
      int p = m.position();
      if (size < HEADER) {
        for (int i = 0; i < size; i++) {
          if (m.get(p + i) != pattern(count, i)) {
            throw new IllegalStateException(name + ": message #" + count + " (" + size
                + " bytes) differs at byte " + i + ": lost, reordered or corrupted");
          }
        }
      } else {
        int seq = m.getInt(p);
        if (seq != (int) count) {
          throw new IllegalStateException(name + ": expected message #" + count + ", got #"
              + Integer.toUnsignedLong(seq) + " (" + size + " bytes): messages lost, duplicated or reordered");
        }
        int stored = m.getInt(p + 4);
        int actual = crc(m);
        if (stored != actual) {
          throw new IllegalStateException(name + ": message #" + count + " (" + size
              + " bytes) fails its checksum (stored " + Integer.toHexString(stored) + ", computed "
              + Integer.toHexString(actual) + "): corrupted, truncated or mixed with another message");
        }
      }
      count++;
      bytes += size;
    }

    /**
     * Checks an end marker: the stream must have had exactly the announced number of messages.
     *
     * @throws IllegalStateException if {@code m} is not an end marker or the counts differ
     */
    public void checkEnd(ByteBuffer m) {
      long announced = endCount(m);
      if (announced < 0) {
        throw new IllegalStateException(name + ": expected the end marker after message #" + count
            + ", got a message of " + m.remaining() + " bytes");
      }
      if (announced != count) {
        throw new IllegalStateException(name + ": the sender sent " + announced + " messages, "
            + count + " arrived");
      }
    }

    public long count() {
      return count;
    }

    public long bytes() {
      return bytes;
    }
  }
}
