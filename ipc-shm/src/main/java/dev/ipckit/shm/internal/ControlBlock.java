package dev.ipckit.shm.internal;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * One side's small shared-memory status block: how the other process learns that this side is
 * alive (a heartbeat), has closed, and how far it has read. One file per side of a connection
 * (and one for a listening server). Not API.
 *
 * <pre>
 *  offset  field         written by the owner, read by the peer
 *  ------  ------------  ---------------------------------------------------------------
 *       0  magic         "IPCKSHM1" (native order), stored last: the block is complete
 *       8  version       2
 *      16  pid           the owner's process id
 *      24  pidNamespace  inode of the owner's /proc/self/ns/pid (0 unknown): a pid is
 *                        only checked when both sides share the namespace
 *      32  state         1 OPEN (or LISTENING), 2 CLOSED
 *      40  beats         heartbeat counter, +1 every heartbeat interval
 *      48  beatMillis    wall-clock time of the last beat (for a one-look staleness test)
 *      56  (reserved)
 *      64  heartbeat     the owner's heartbeat interval in milliseconds
 *      72  maxMessage    the largest message the owner accepts
 *  80..127 reserved
 *     128  consumed      payload bytes the owner has read from the queue the peer writes
 * 136..191 reserved
 * </pre>
 *
 * {@code consumed} is written for every message read, so it has a cache line of its own: the
 * peer's sender reads {@code state} on every send, and sharing a line with a counter the other
 * core keeps writing would cost that send a cache miss each time.
 *
 * All fields are 8-byte aligned longs read and written with acquire/release (or volatile) order,
 * so a peer that sees {@code state == CLOSED} also sees every message written before it.
 */
public final class ControlBlock {
  public static final long MAGIC = 0x314d48534b435049L; // "IPCKSHM1" little-endian
  public static final long OPEN = 1;
  public static final long CLOSED = 2;
  static final int SIZE = 192;

  private static final VarHandle LONGS =
      MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.nativeOrder());
  private static final int O_MAGIC = 0;
  private static final int O_VERSION = 8;
  private static final int O_PID = 16;
  private static final int O_PID_NS = 24;
  private static final int O_STATE = 32;
  private static final int O_BEATS = 40;
  private static final int O_BEAT_MILLIS = 48;
  private static final int O_CONSUMED = 128;
  private static final int O_HEARTBEAT = 64;
  private static final int O_MAX_MESSAGE = 72;

  private static final long OWN_PID_NAMESPACE = readPidNamespace();

  private final Path file;
  private final MappedByteBuffer buffer;
  /** Never changes once the block is complete, and a sender checks it per message: kept here. */
  private final long maxMessage;

  /** Wraps a complete block (its magic stored). */
  private ControlBlock(Path file, MappedByteBuffer buffer) {
    this.file = file;
    this.buffer = buffer;
    this.maxMessage = (long) LONGS.getAcquire(buffer, O_MAX_MESSAGE);
  }

  /** Creates (or replaces) {@code file} as this process's block, state OPEN, magic stored last. */
  public static ControlBlock create(Path file, long heartbeatMillis, long maxMessage) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    MappedByteBuffer b;
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
        StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      b = ch.map(FileChannel.MapMode.READ_WRITE, 0, SIZE);
    }
    put(b, O_VERSION, 2);
    put(b, O_PID, ProcessHandle.current().pid());
    put(b, O_PID_NS, OWN_PID_NAMESPACE);
    put(b, O_STATE, OPEN);
    put(b, O_BEAT_MILLIS, System.currentTimeMillis());
    put(b, O_HEARTBEAT, heartbeatMillis);
    put(b, O_MAX_MESSAGE, maxMessage);
    LONGS.setVolatile(b, O_MAGIC, MAGIC);
    ControlBlock block = new ControlBlock(file, b);
    // rename, so a reader never maps a file shorter than the block
    Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE,
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    return block;
  }

  /** Maps the peer's block at {@code file}, or empty if it does not exist or is not complete yet. */
  public static Optional<ControlBlock> open(Path file) throws IOException {
    MappedByteBuffer b;
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      if (ch.size() < SIZE) {
        return Optional.empty();
      }
      b = ch.map(FileChannel.MapMode.READ_WRITE, 0, SIZE);
    } catch (java.nio.file.NoSuchFileException e) {
      return Optional.empty();
    }
    if ((long) LONGS.getVolatile(b, O_MAGIC) != MAGIC) {
      return Optional.empty();
    }
    return Optional.of(new ControlBlock(file, b));
  }

  public Path file() {
    return file;
  }

  public long pid() {
    return get(O_PID);
  }

  public long state() {
    return (long) LONGS.getVolatile(buffer, O_STATE);
  }

  /** Volatile (not merely release) so that of two sides closing at once, one sees the other closed. */
  public void state(long state) {
    LONGS.setVolatile(buffer, O_STATE, state);
  }

  public long beats() {
    return (long) LONGS.getAcquire(buffer, O_BEATS);
  }

  public long beatMillis() {
    return (long) LONGS.getAcquire(buffer, O_BEAT_MILLIS);
  }

  /** One heartbeat: called by the owner every heartbeat interval. */
  public void beat() {
    LONGS.setRelease(buffer, O_BEAT_MILLIS, System.currentTimeMillis());
    LONGS.setRelease(buffer, O_BEATS, (long) LONGS.getAcquire(buffer, O_BEATS) + 1);
  }

  public long consumed() {
    return (long) LONGS.getAcquire(buffer, O_CONSUMED);
  }

  public void consumed(long bytes) {
    LONGS.setRelease(buffer, O_CONSUMED, bytes);
  }

  public long heartbeatMillis() {
    return get(O_HEARTBEAT);
  }

  public long maxMessage() {
    return maxMessage;
  }

  /**
   * Whether the owner process is known to be gone: its pid no longer exists in our pid namespace.
   * Empty when that cannot be known (another namespace): then only the heartbeat tells.
   */
  public Optional<Boolean> ownerGone() {
    long ns = get(O_PID_NS);
    if (ns == 0 || ns != OWN_PID_NAMESPACE) {
      return Optional.empty();
    }
    return Optional.of(ProcessHandle.of(pid()).map(p -> !p.isAlive()).orElse(true));
  }

  /**
   * Whether a block found on disk belongs to a live owner, at one look: open, and its owner's pid
   * alive (same namespace) or its last beat within {@code staleAfterMillis}.
   */
  public boolean looksAlive(long staleAfterMillis) {
    if (state() != OPEN) {
      return false;
    }
    Optional<Boolean> gone = ownerGone();
    if (gone.isPresent()) {
      return !gone.get();
    }
    return System.currentTimeMillis() - beatMillis() <= staleAfterMillis;
  }

  private long get(int offset) {
    return (long) LONGS.getAcquire(buffer, offset);
  }

  private static void put(MappedByteBuffer b, int offset, long value) {
    LONGS.setRelease(b, offset, value);
  }

  private static long readPidNamespace() {
    try {
      String link = Files.readSymbolicLink(Path.of("/proc/self/ns/pid")).toString(); // pid:[4026531836]
      return Long.parseLong(link.replaceAll("\\D", ""));
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  @Override
  public String toString() {
    return "ControlBlock[" + file + ", pid " + pid() + ", state " + state() + ", beats " + beats() + "]";
  }
}
