package dev.ipckit.redis.internal;

import java.nio.ByteBuffer;

/**
 * The header ipckit puts before each pub/sub payload (not API; docs/REDIS.md is the reference).
 *
 * <pre>
 *  0        1                               9                              17
 * +--------+-------------------------------+-------------------------------+-------------
 * |  kind  |   publisher id (8 bytes, BE)  |  sequence number (8 bytes, BE) |  payload ...
 * +--------+-------------------------------+-------------------------------+-------------
 *   0xF8 DATA       the payload is one message; seq counts DATA frames from 1
 *   0xF9 HEARTBEAT  no payload; seq is the last DATA seq sent (0: none yet)
 *   0xFA HELLO      client to server: open a pair; seq 0
 *   0xFB BYE        the sender closed; seq is its last DATA seq
 *   0xFC CREDIT     pairs only: seq is the peer's last DATA seq this side has consumed (read,
 *                   or known lost); the peer may have at most receiveQueue bytes unconsumed
 * </pre>
 *
 * The kind bytes 0xF8-0xFC never occur in UTF-8 text, so a text message from {@code redis-cli}
 * is never mistaken for a frame: anything shorter than 17 bytes or with another first byte is a
 * foreign message and is delivered as it is.
 */
public final class Frame {
  public static final int HEADER = 17;
  public static final byte DATA = (byte) 0xF8;
  public static final byte HEARTBEAT = (byte) 0xF9;
  public static final byte HELLO = (byte) 0xFA;
  public static final byte BYE = (byte) 0xFB;
  public static final byte CREDIT = (byte) 0xFC;

  private Frame() {}

  /** A DATA frame with room for its sequence number, which the publisher writes in order. */
  public static byte[] data(long publisher, ByteBuffer payload) {
    byte[] f = new byte[HEADER + payload.remaining()];
    putDataHeader(f, 0, publisher, 0);
    payload.duplicate().get(f, HEADER, payload.remaining());
    return f;
  }

  /** Writes a DATA header at {@code off} of {@code b}. */
  public static void putDataHeader(byte[] b, int off, long publisher, long seq) {
    b[off] = DATA;
    putLong(b, off + 1, publisher);
    putLong(b, off + 9, seq);
  }

  /** A frame without payload. */
  public static byte[] control(byte kind, long publisher, long seq) {
    byte[] f = new byte[HEADER];
    f[0] = kind;
    putLong(f, 1, publisher);
    putLong(f, 9, seq);
    return f;
  }

  public static void setSeq(byte[] frame, long seq) {
    putLong(frame, 9, seq);
  }

  /** The kind of an ipckit frame, or 0 for a foreign message. */
  public static byte kind(byte[] m) {
    if (m.length < HEADER) {
      return 0;
    }
    byte k = m[0];
    return k == DATA || k == HEARTBEAT || k == HELLO || k == BYE || k == CREDIT ? k : 0;
  }

  public static long publisher(byte[] m) {
    return getLong(m, 1);
  }

  public static long seq(byte[] m) {
    return getLong(m, 9);
  }

  private static void putLong(byte[] b, int off, long v) {
    for (int i = 7; i >= 0; i--) {
      b[off + i] = (byte) v;
      v >>>= 8;
    }
  }

  private static long getLong(byte[] b, int off) {
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v = (v << 8) | (b[off + i] & 0xFF);
    }
    return v;
  }
}
