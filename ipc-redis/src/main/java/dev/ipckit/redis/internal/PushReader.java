package dev.ipckit.redis.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Reads what Redis sends to a subscribed connection (RESP2), with no object per message but the
 * payload's array (not API; one thread). The pushes, arrays of bulk strings and integers:
 *
 * <pre>
 *  message    channel payload          pmessage  pattern channel payload
 *  subscribe  channel count            psubscribe pattern count
 *  pong       payload                  (the answer to PING on a subscribed connection)
 * </pre>
 *
 * Anything else (an unsubscribe, say) is read past. An error reply ({@code -NOPERM ...}, a
 * SUBSCRIBE the ACL forbids) or a malformed push is an {@link IOException}, and the connection is
 * done.
 */
final class PushReader {
  /** Told of each push; called on the reading thread. */
  interface Handler {
    void message(byte[] payload);

    void subscribed(int count);

    void pong();
  }

  private static final byte[] MESSAGE = ascii("message");
  private static final byte[] PMESSAGE = ascii("pmessage");
  private static final byte[] SUBSCRIBE = ascii("subscribe");
  private static final byte[] PSUBSCRIBE = ascii("psubscribe");
  private static final byte[] PONG = ascii("pong");

  private final RespInput in;
  private final byte[] kind = new byte[16];

  PushReader(InputStream in) {
    this.in = new RespInput(in, 64 << 10);
  }

  /** Reads one push and tells {@code h} what it was. */
  void next(Handler h) throws IOException {
    byte type = in.read();
    if (type == '-') {
      throw new IOException("Redis refused: " + in.line());
    }
    if (type != '*') {
      throw new IOException("unexpected reply from Redis on a subscribed connection (type byte '" + (char) type + "')");
    }
    long n = in.number();
    if (n < 1) {
      return;
    }
    int k = kind();
    long left = n - 1;
    if (is(k, MESSAGE) && left == 2 || is(k, PMESSAGE) && left == 3) {
      for (; left > 1; left--) {
        skipElement();
      }
      h.message(bulk());
    } else if ((is(k, SUBSCRIBE) || is(k, PSUBSCRIBE)) && left == 2) {
      skipElement();
      if (in.read() != ':') {
        throw new IOException("malformed subscribe confirmation from Redis");
      }
      h.subscribed((int) in.number());
    } else if (is(k, PONG)) {
      for (; left > 0; left--) {
        skipElement();
      }
      h.pong();
    } else {
      for (; left > 0; left--) {
        skipElement();
      }
    }
  }

  /** Reads the first element, a bulk string, into {@link #kind}; returns its length (-1: too long to matter). */
  private int kind() throws IOException {
    int len = bulkLength();
    if (len > kind.length) {
      in.skip(len + 2L);
      return -1;
    }
    in.readFully(kind, 0, len);
    in.crlf();
    return len;
  }

  private boolean is(int len, byte[] name) {
    if (len != name.length) {
      return false;
    }
    for (int i = 0; i < len; i++) {
      if (kind[i] != name[i]) {
        return false;
      }
    }
    return true;
  }

  private byte[] bulk() throws IOException {
    int len = bulkLength();
    byte[] b = new byte[len];
    in.readFully(b, 0, len);
    in.crlf();
    return b;
  }

  private int bulkLength() throws IOException {
    if (in.read() != '$') {
      throw new IOException("malformed push from Redis (expected a bulk string)");
    }
    long len = in.number();
    if (len < 0 || len > Integer.MAX_VALUE - 8) {
      throw new IOException("unexpected bulk string length " + len + " in a push from Redis");
    }
    return (int) len;
  }

  private void skipElement() throws IOException {
    byte t = in.read();
    if (t == '$') {
      long len = in.number();
      if (len >= 0) {
        in.skip(len + 2);
      }
    } else if (t == ':' || t == '+') {
      in.line();
    } else {
      throw new IOException("malformed push from Redis (element type '" + (char) t + "')");
    }
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
