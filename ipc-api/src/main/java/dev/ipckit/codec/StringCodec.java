package dev.ipckit.codec;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Text as UTF-8. Strict both ways: malformed input is an error, never silently replaced by
 * {@code U+FFFD} or {@code '?'}, since a codec that changes data quietly hides bugs at the peer.
 */
public final class StringCodec implements Codec<String> {
  /** The one instance; it has no state. */
  public static final StringCodec UTF_8 = new StringCodec();

  private StringCodec() {}

  @Override
  public String name() {
    return "utf-8";
  }

  @Override
  public void encode(String value, OutputStream out) throws IOException {
    if (value == null) {
      throw new CodecException(name(), "cannot encode null");
    }
    ByteBuffer bytes;
    try {
      bytes = encoder().encode(CharBuffer.wrap(value));
    } catch (CharacterCodingException e) {
      throw new CodecException(name(), "the string is not valid UTF-16 (an unpaired surrogate?)", e);
    }
    out.write(bytes.array(), bytes.arrayOffset() + bytes.position(), bytes.remaining());
  }

  @Override
  public String decode(ByteBuffer message) throws CodecException {
    ByteBuffer in = message.duplicate();
    int start = in.position();
    CharBuffer chars = CharBuffer.allocate(in.remaining());
    CharsetDecoder decoder = decoder();
    CoderResult r = decoder.decode(in, chars, true);
    if (r.isUnderflow()) {
      r = decoder.flush(chars);
    }
    if (r.isError()) {
      throw new CodecException(name(), "invalid UTF-8 at byte " + (in.position() - start)
          + " of " + message.remaining());
    }
    return chars.flip().toString();
  }

  // coders are stateful and cheap to make; one per call keeps the codec thread-safe
  private static CharsetEncoder encoder() {
    return StandardCharsets.UTF_8.newEncoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
  }

  private static CharsetDecoder decoder() {
    return StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
  }

  @Override
  public String toString() {
    return "StringCodec[UTF-8]";
  }
}
