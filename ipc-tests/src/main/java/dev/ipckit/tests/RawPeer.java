package dev.ipckit.tests;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The raw end of a byte-stream connection to an ipckit server, for the garbage and truncated-frame
 * cases: it writes whatever bytes a test chooses and reads what the server sends, with timeouts.
 *
 * <p>It knows the wire format of docs/PROTOCOL.md:
 * <pre>
 * hello, 28 bytes, sent by each side first:
 *   0      4    5     6          8              12                   28
 *   +------+----+-----+----------+--------------+--------------------+
 *   | IPCK | v1 | flg | reserved | maxMessage   | nonce              |
 *   | ASCII| u8 | u8=0| u16 = 0  | u32 BE       | 16 random bytes    |
 *   +------+----+-----+----------+--------------+--------------------+
 * then frames:
 *   +--------------+----------------------+
 *   | length i32 BE| payload (length B)   |      length -1 = GOODBYE (orderly close)
 *   +--------------+----------------------+
 * </pre>
 */
public final class RawPeer implements AutoCloseable {
  public static final int HELLO_SIZE = 28;
  public static final byte[] MAGIC = "IPCK".getBytes(StandardCharsets.US_ASCII);
  public static final int VERSION = 1;
  public static final int GOODBYE = -1;
  /** Hello flag: this end accepts HANDLES frames. */
  public static final int FLAG_HANDLES = 2;

  private final ByteChannel channel;
  private final ByteArrayOutputStream received = new ByteArrayOutputStream();
  private int consumed;
  private boolean ended;
  private IOException error;
  private Thread reader;

  public RawPeer(ByteChannel channel) {
    this.channel = channel;
  }

  /** A valid hello announcing {@code maxMessage}. */
  public static byte[] hello(long maxMessage) {
    ByteBuffer b = ByteBuffer.allocate(HELLO_SIZE);
    b.put(MAGIC).put((byte) VERSION).put((byte) 0).putShort((short) 0).putInt((int) maxMessage);
    byte[] nonce = new byte[16];
    ThreadLocalRandom.current().nextBytes(nonce);
    b.put(nonce);
    return b.array();
  }

  /** A 4-byte frame header announcing {@code length}. */
  public static byte[] length(int length) {
    return ByteBuffer.allocate(4).putInt(length).array();
  }

  /** A whole frame carrying {@code payload}. */
  public static byte[] frame(byte[] payload) {
    return ByteBuffer.allocate(4 + payload.length).putInt(payload.length).put(payload).array();
  }

  /**
   * Checks a server's hello and returns the maxMessage it announces.
   *
   * @throws AssertionError naming what is wrong with it
   */
  public static long parseHello(byte[] hello) {
    if (hello.length != HELLO_SIZE) {
      throw new AssertionError("a hello has " + HELLO_SIZE + " bytes, got " + hello.length);
    }
    ByteBuffer b = ByteBuffer.wrap(hello);
    byte[] magic = new byte[4];
    b.get(magic);
    if (!Arrays.equals(magic, MAGIC)) {
      throw new AssertionError("hello starts with " + Arrays.toString(magic) + ", expected \"IPCK\"");
    }
    int version = b.get();
    int flags = b.get();
    int reserved = b.getShort();
    // flags bit 1 (accepts HANDLES frames) is set by transports that pass descriptors; bit 0 (a
    // secret) is never expected by these cases
    if (version != VERSION || (flags & ~FLAG_HANDLES) != 0 || reserved != 0) {
      throw new AssertionError("hello has version " + version + ", flags " + flags + ", reserved "
          + reserved + "; expected 1, 0 or 2, 0");
    }
    return Integer.toUnsignedLong(b.getInt());
  }

  public void write(byte[]... parts) throws IOException {
    for (byte[] part : parts) {
      ByteBuffer b = ByteBuffer.wrap(part);
      while (b.hasRemaining()) {
        channel.write(b);
      }
    }
  }

  /**
   * The next {@code n} bytes the server sent, waiting up to {@code timeout}.
   *
   * @throws AssertionError if they did not come (end of stream, error or timeout)
   */
  public synchronized byte[] read(int n, Duration timeout) throws InterruptedException {
    startReader();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (received.size() - consumed < n && !ended) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new AssertionError("expected " + n + " bytes from the server within " + timeout
            + ", got " + (received.size() - consumed));
      }
      wait(Math.max(1, left / 1_000_000));
    }
    if (received.size() - consumed < n) {
      throw new AssertionError("expected " + n + " bytes from the server, got "
          + (received.size() - consumed) + " and then " + (error == null ? "end of stream" : error));
    }
    byte[] all = received.toByteArray();
    byte[] out = Arrays.copyOfRange(all, consumed, consumed + n);
    consumed += n;
    return out;
  }

  /**
   * Waits up to {@code timeout} for the server to drop this connection (end of stream or a reset)
   * and returns true if it did; the bytes that came first are kept for {@link #read}.
   */
  public synchronized boolean awaitDropped(Duration timeout) throws InterruptedException {
    startReader();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!ended) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      wait(Math.max(1, left / 1_000_000));
    }
    return true;
  }

  /** How many bytes the server sent that {@link #read} has not returned. */
  public synchronized int unread() {
    return received.size() - consumed;
  }

  private void startReader() {
    if (reader != null) {
      return;
    }
    reader = new Thread(this::readLoop, "conformance-raw-reader");
    reader.setDaemon(true);
    reader.start();
  }

  private void readLoop() {
    ByteBuffer b = ByteBuffer.allocate(8192);
    try {
      while (true) {
        b.clear();
        int n = channel.read(b);
        if (n < 0) {
          break;
        }
        if (n == 0) {
          Thread.sleep(5); // a non-blocking channel: poll gently
          continue;
        }
        synchronized (this) {
          received.write(b.array(), 0, n);
          notifyAll();
        }
      }
    } catch (IOException e) {
      synchronized (this) {
        error = e;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    synchronized (this) {
      ended = true;
      notifyAll();
    }
  }

  /**
   * Closes the connection (the server sees end of stream) and waits for the reader thread to
   * return; idempotent. The JDK defers closing the descriptor of a blocking channel closed while a
   * thread is blocked reading it until that thread returns: without the wait the socket would
   * outlive this close by however long the reader takes to be scheduled.
   */
  @Override
  public void close() throws IOException {
    channel.close();
    Thread r;
    synchronized (this) {
      r = reader;
    }
    if (r == null || r == Thread.currentThread()) {
      return;
    }
    try {
      r.join(TimeUnit.SECONDS.toMillis(10));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (r.isAlive()) {
      throw new IOException("the raw peer's reader is still in a read 10 s after its channel was closed");
    }
  }
}
