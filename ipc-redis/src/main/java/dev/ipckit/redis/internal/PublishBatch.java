package dev.ipckit.redis.internal;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * PUBLISH commands encoded in RESP, back to back in one reusable array, ready to be written to
 * Redis in one go (not API; not thread-safe: {@link Publisher} guards it). Senders encode straight
 * into it, so a message costs one copy and no object: what a plain pipelined client does with a
 * command object, a reply holder and a copy per message.
 *
 * <pre>
 *  *3\r\n $7\r\n PUBLISH\r\n $&lt;channel length&gt;\r\n &lt;channel&gt;\r\n $&lt;frame length&gt;\r\n &lt;frame&gt;\r\n
 *  frame: the {@link Frame} DATA header (unless plain) and the payload, or a control frame
 * </pre>
 *
 * Redis answers each with an integer (the receivers) or an error, in order: {@link IntegerReplies}.
 */
final class PublishBatch {
  /** A command whose reply someone waits for, by its position in the batch. */
  record Waiter(int index, CompletableFuture<Long> reply) {}

  private static final byte[] PUBLISH = "*3\r\n$7\r\nPUBLISH\r\n$".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  /** The encoding of a command beyond its channel and frame: the fixed part, two lengths, three CRLFs. */
  private static final int OVERHEAD = PUBLISH.length + 2 * 20 + 6;
  private static final int INITIAL = 64 << 10;

  /** The largest array kept between batches. */
  private final int keep;
  private byte[] buf = new byte[0]; // allocated on first use: a stream's writer never publishes
  private int length;
  private int commands;
  private int dataCommands;
  private long dataBytes;
  private final List<Waiter> waiters = new ArrayList<>();

  /**
   * @param sendBuffer the data bytes senders may queue: a batch of that many small messages (their
   *     encoding doubles them at most) keeps its array, one grown past it for a large message does not
   */
  PublishBatch(long sendBuffer) {
    this.keep = (int) Math.min(Integer.MAX_VALUE - 16, Math.max(INITIAL, 2 * sendBuffer));
  }

  boolean isEmpty() {
    return commands == 0;
  }

  /** Commands in the batch. */
  int commands() {
    return commands;
  }

  /** Commands carrying a DATA frame (or a plain message). */
  int dataCommands() {
    return dataCommands;
  }

  /** Frame bytes of the data commands: what counts against the send buffer. */
  long dataBytes() {
    return dataBytes;
  }

  List<Waiter> waiters() {
    return waiters;
  }

  byte[] bytes() {
    return buf;
  }

  int length() {
    return length;
  }

  /**
   * Appends a PUBLISH of {@code payload} (not consumed) to {@code channel}: with a DATA header of
   * publisher {@code id} and number {@code seq} when {@code header}, else the payload alone.
   */
  void data(byte[] channel, boolean header, long id, long seq, ByteBuffer payload) {
    int size = payload.remaining();
    int frame = (header ? Frame.HEADER : 0) + size;
    int p = begin(channel, frame);
    if (header) {
      Frame.putDataHeader(buf, p, id, seq);
      p += Frame.HEADER;
    }
    payload.get(payload.position(), buf, p, size);
    end(p + size);
    dataCommands++;
    dataBytes += frame;
  }

  /** Appends a PUBLISH of a control frame; {@code reply} (may be null) is completed with Redis's answer. */
  void control(byte[] channel, byte[] frame, CompletableFuture<Long> reply) {
    int p = begin(channel, frame.length);
    System.arraycopy(frame, 0, buf, p, frame.length);
    if (reply != null) {
      waiters.add(new Waiter(commands, reply));
    }
    end(p + frame.length);
  }

  /** Empties the batch; an array grown for a large message is given back. */
  void clear() {
    if (buf.length > keep) {
      buf = new byte[INITIAL];
    }
    length = 0;
    commands = 0;
    dataCommands = 0;
    dataBytes = 0;
    waiters.clear();
  }

  /** Writes everything up to the frame's first byte; returns where the frame goes. */
  private int begin(byte[] channel, int frame) {
    ensure(OVERHEAD + channel.length + frame);
    byte[] b = buf;
    int p = length;
    System.arraycopy(PUBLISH, 0, b, p, PUBLISH.length);
    p = crlf(b, digits(b, p + PUBLISH.length, channel.length));
    System.arraycopy(channel, 0, b, p, channel.length);
    p = crlf(b, p + channel.length);
    b[p++] = '$';
    return crlf(b, digits(b, p, frame));
  }

  private void end(int p) {
    length = crlf(buf, p);
    commands++;
  }

  private void ensure(int more) {
    if (buf.length - length < more) {
      long want = Math.max(Math.max((long) buf.length * 2, INITIAL), (long) length + more);
      if (want > Integer.MAX_VALUE - 16) {
        throw new IllegalStateException("a batch of PUBLISH commands cannot exceed 2 GiB");
      }
      buf = java.util.Arrays.copyOf(buf, (int) want);
    }
  }

  private static int crlf(byte[] b, int p) {
    b[p] = '\r';
    b[p + 1] = '\n';
    return p + 2;
  }

  /** Writes {@code v} (not negative) in decimal at {@code p}; returns the position after it. */
  private static int digits(byte[] b, int p, int v) {
    int n = 1;
    for (int x = v; x >= 10; x /= 10) {
      n++;
    }
    for (int i = p + n - 1; i >= p; i--) {
      b[i] = (byte) ('0' + v % 10);
      v /= 10;
    }
    return p + n;
  }
}
