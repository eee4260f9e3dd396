package dev.ipckit.typed;

import dev.ipckit.ProtocolException;
import dev.ipckit.codec.CodecException;
import dev.ipckit.codec.StringCodec;
import dev.ipckit.typed.internal.MessageBuffer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The envelope {@link RpcChannel} puts around every message, so that requests, replies, errors
 * and events share one channel. One envelope is one channel message; integers are big-endian.
 *
 * <pre>
 *  every kind:
 *  +--------+--------------------------------+
 *  | kind   | correlation id                 |   kind: 1 REQUEST, 2 RESPONSE, 3 ERROR, 4 EVENT
 *  | 1 byte | 8 bytes, signed 64-bit         |   id: chosen by the requester, echoed by the reply;
 *  +--------+--------------------------------+       0 in events (ignored on receipt)
 *
 *  REQUEST, RESPONSE:                 EVENT:
 *  +------------------------------+   +-------------+---------------------+
 *  | payload: the codec's bytes,  |   | type length | type name           |
 *  | to the end of the message    |   | 1 byte, N   | N bytes UTF-8,      |
 *  +------------------------------+   | 1..255      | e.g. "progress"     |
 *                                     +-------------+---------------------+
 *  ERROR (the handler failed):        | payload: the codec's bytes,       |
 *  +-------------+----------------+   | to the end of the message         |
 *  | name length | exception class|   +-----------------------------------+
 *  | 2 bytes, N  | N bytes UTF-8  |
 *  +-------------+----------------+
 *  | message: UTF-8, to the end   |
 *  +------------------------------+
 * </pre>
 *
 * <p>A message shorter than the 9-byte header, an unknown kind or a malformed type name is a
 * {@link ProtocolException}: the peer does not speak this protocol, and the channel is closed.
 *
 * @param kind {@link #REQUEST}, {@link #RESPONSE}, {@link #ERROR} or {@link #EVENT}
 * @param correlationId the request this message belongs to; 0 for events
 * @param type the event type; null for other kinds
 * @param payload a view of the message after the header, valid as long as the message is
 */
public record Envelope(byte kind, long correlationId, String type, ByteBuffer payload) {
  public static final byte REQUEST = 1;
  public static final byte RESPONSE = 2;
  public static final byte ERROR = 3;
  public static final byte EVENT = 4;
  /** Kind plus correlation id. */
  public static final int HEADER_LENGTH = 9;
  /** Longest event type name, in UTF-8 bytes. */
  public static final int MAX_TYPE_LENGTH = 255;
  /** Error messages are cut to this many characters: a reply must not balloon because a handler's did. */
  static final int MAX_ERROR_MESSAGE = 8192;

  /** Parses the envelope of {@code message} without copying; the message's position is unchanged. */
  public static Envelope read(ByteBuffer message, String uri) throws ProtocolException {
    if (message.remaining() < HEADER_LENGTH) {
      throw new ProtocolException("envelope on " + uri + ": expected at least " + HEADER_LENGTH
          + " bytes (kind and correlation id), got " + message.remaining());
    }
    ByteBuffer m = message.duplicate(); // big-endian whatever the caller's order
    byte kind = m.get();
    long id = m.getLong();
    String type = null;
    switch (kind) {
      case REQUEST, RESPONSE, ERROR -> { }
      case EVENT -> type = readType(m, uri);
      default -> throw new ProtocolException("envelope on " + uri + ": unknown kind " + kind
          + ", expected 1 (request), 2 (response), 3 (error) or 4 (event)");
    }
    return new Envelope(kind, id, type, m.slice());
  }

  private static String readType(ByteBuffer m, String uri) throws ProtocolException {
    int n = m.hasRemaining() ? m.get() & 0xFF : 0;
    if (n == 0 || n > m.remaining()) {
      throw new ProtocolException("event envelope on " + uri + ": type name of " + n
          + " bytes, expected 1.." + Math.min(MAX_TYPE_LENGTH, m.remaining()));
    }
    ByteBuffer name = m.slice().limit(n);
    m.position(m.position() + n);
    try {
      return StringCodec.UTF_8.decode(name);
    } catch (CodecException e) {
      throw new ProtocolException("event envelope on " + uri + ": type name is not UTF-8", e);
    }
  }

  static void writeHeader(MessageBuffer out, byte kind, long correlationId) throws IOException {
    out.write(kind);
    out.writeLong(correlationId);
  }

  static void writeEventHeader(MessageBuffer out, byte[] type) throws IOException {
    writeHeader(out, EVENT, 0);
    out.write(type.length);
    out.write(type);
  }

  /** The UTF-8 bytes of an event type, checked against the limits of the format. */
  static byte[] typeBytes(String type) {
    byte[] b = type.getBytes(StandardCharsets.UTF_8);
    if (b.length == 0 || b.length > MAX_TYPE_LENGTH) {
      throw new IllegalArgumentException("event type must be 1.." + MAX_TYPE_LENGTH
          + " bytes of UTF-8, got " + b.length + ": '" + type + "'");
    }
    return b;
  }

  static void writeFailure(MessageBuffer out, long correlationId, String exceptionClass, String message)
      throws IOException {
    writeHeader(out, ERROR, correlationId);
    byte[] name = exceptionClass.getBytes(StandardCharsets.UTF_8);
    int nameLength = Math.min(name.length, 0xFFFF);
    out.writeShort(nameLength);
    out.write(name, 0, nameLength);
    String m = message == null ? "" : message;
    if (m.length() > MAX_ERROR_MESSAGE) {
      m = m.substring(0, MAX_ERROR_MESSAGE) + "...";
    }
    out.write(m.getBytes(StandardCharsets.UTF_8));
  }

  /** The exception class and message of an {@link #ERROR} payload. */
  record Failure(String exceptionClass, String message) {
    static Failure read(ByteBuffer payload, String uri) throws ProtocolException {
      ByteBuffer p = payload.duplicate();
      int n = p.remaining() >= 2 ? p.getShort() & 0xFFFF : -1;
      if (n < 0 || n > p.remaining()) {
        throw new ProtocolException("error envelope on " + uri + ": exception name of " + n
            + " bytes in a payload of " + payload.remaining());
      }
      try {
        String name = StringCodec.UTF_8.decode(p.slice().limit(n));
        String message = StringCodec.UTF_8.decode(p.position(p.position() + n).slice());
        return new Failure(name, message);
      } catch (CodecException e) {
        throw new ProtocolException("error envelope on " + uri + ": text is not UTF-8", e);
      }
    }
  }
}
