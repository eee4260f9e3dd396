package dev.ipckit.redis.internal;

import java.io.IOException;
import java.io.InputStream;

/**
 * Reads the replies of pipelined commands that answer with an integer (PUBLISH) from a Redis
 * connection, without an object per reply (not API; one thread). A reply is {@code :N\r\n}, or
 * {@code -ERROR message\r\n} when Redis refused the command; anything else is a protocol error.
 */
final class IntegerReplies {
  private final RespInput in;
  private String error;

  IntegerReplies(InputStream in) {
    this.in = new RespInput(in, 16 << 10);
  }

  /**
   * Reads the next reply.
   *
   * @return its value; {@link Long#MIN_VALUE} for an error reply, whose text {@link #error} then gives
   * @throws IOException the connection failed or closed, or Redis sent something else
   */
  long next() throws IOException {
    byte type = in.read();
    if (type == ':') {
      return in.number();
    }
    if (type == '-') {
      error = in.line();
      return Long.MIN_VALUE;
    }
    throw new IOException("unexpected reply from Redis to PUBLISH (type byte '" + (char) type + "')");
  }

  /** The text of the last error reply, e.g. {@code NOPERM ...}. */
  String error() {
    return error;
  }
}
