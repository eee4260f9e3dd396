package dev.ipckit.stream;

import dev.ipckit.ChannelUri;
import dev.ipckit.InvalidChannelUriException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * How messages are delimited on a byte stream, chosen by the {@code framing} option of the
 * transports that offer it (fd:, pipe:). {@link FramedChannel} runs either with the same
 * batching, bounded buffers and backpressure.
 *
 * <ul>
 *   <li>{@code framing=ipckit} (the default): the {@link Handshake}, then length-prefixed frames
 *       and a GOODBYE frame on close (drawn in {@link FramedChannel}).
 *   <li>{@code framing=ndjson}: what Node.js speaks on its IPC channel with the default 'json'
 *       serialization ({@code process.send}): each message is one JSON value in UTF-8 followed by
 *       {@code \n}; nothing is sent on connect; closing the stream is the goodbye. Every line is
 *       checked in both directions (one JSON value, well-formed UTF-8, no raw newline) so a
 *       malformed line is reported as such. Node's internal messages (objects whose
 *       {@code cmd} starts with {@code NODE_}) are dropped when received and refused when sent.
 * </ul>
 */
public abstract class Framing {
  /** The URI option that chooses the framing. */
  public static final String OPTION = "framing";
  public static final Framing IPCKIT = new LengthPrefixed();
  public static final Framing NDJSON = new Ndjson();

  private Framing() {}

  /** The framing {@code uri} asks for ({@link #IPCKIT} unless told). */
  public static Framing of(ChannelUri uri) throws InvalidChannelUriException {
    String v = uri.string(OPTION, "ipckit").toLowerCase(Locale.ROOT);
    switch (v) {
      case "ipckit":
        return IPCKIT;
      case "ndjson":
        return NDJSON;
      case "advanced":
        throw new InvalidChannelUriException(uri.toString(), "Node's 'advanced' serialization (the V8 "
            + "serializer) is not supported; start the child with serialization: 'json' (the default)");
      default:
        throw new InvalidChannelUriException(uri.toString(), "framing=" + v + " is not a framing; expected ipckit "
            + "(the default) or ndjson (Node.js IPC)");
    }
  }

  /** "ipckit" or "ndjson". */
  public abstract String name();

  /** Whether the two ends run the {@link Handshake} before any message. */
  public abstract boolean handshake();

  /** The byte that ends each message, or -1 for length-prefixed frames. */
  abstract int delimiter();

  /** Why {@code message} cannot be sent with this framing, or null if it can. */
  abstract String refuse(ByteBuffer message);

  /** Why the received message {@code b[from, to)} breaks this framing, or null if it does not. */
  abstract String malformed(ByteBuffer b, int from, int to);

  /** Whether the received message {@code b[from, to)} is the peer runtime's own, not the application's. */
  abstract boolean internal(ByteBuffer b, int from, int to);

  @Override
  public String toString() {
    return name();
  }

  private static final class LengthPrefixed extends Framing {
    @Override
    public String name() {
      return "ipckit";
    }

    @Override
    public boolean handshake() {
      return true;
    }

    @Override
    int delimiter() {
      return -1;
    }

    @Override
    String refuse(ByteBuffer message) {
      return null;
    }

    @Override
    String malformed(ByteBuffer b, int from, int to) {
      return null;
    }

    @Override
    boolean internal(ByteBuffer b, int from, int to) {
      return false;
    }
  }

  private static final class Ndjson extends Framing {
    private static final byte[] NODE_INTERNAL = "{\"cmd\":\"NODE_".getBytes(StandardCharsets.US_ASCII);

    @Override
    public String name() {
      return "ndjson";
    }

    @Override
    public boolean handshake() {
      return false;
    }

    @Override
    int delimiter() {
      return '\n';
    }

    @Override
    String refuse(ByteBuffer message) {
      int from = message.position();
      int to = message.limit();
      for (int k = from; k < to; k++) {
        if (message.get(k) == '\n') {
          return "the message contains a newline at byte " + (k - from) + " (one message is one line: send "
              + "compact JSON)";
        }
      }
      String bad = JsonSyntax.check(message, from, to);
      if (bad != null) {
        return "the message is not one JSON value: " + bad;
      }
      if (internal(message, from, to)) {
        return "messages whose cmd starts with NODE_ are Node's own and are never sent";
      }
      return null;
    }

    @Override
    String malformed(ByteBuffer b, int from, int to) {
      String bad = JsonSyntax.check(b, from, to);
      return bad == null ? null : "the line is not one JSON value: " + bad;
    }

    @Override
    boolean internal(ByteBuffer b, int from, int to) {
      if (to - from < NODE_INTERNAL.length) {
        return false;
      }
      for (int k = 0; k < NODE_INTERNAL.length; k++) {
        if (b.get(from + k) != NODE_INTERNAL[k]) {
          return false;
        }
      }
      return true;
    }
  }
}
