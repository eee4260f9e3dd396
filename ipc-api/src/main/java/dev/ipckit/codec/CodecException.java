package dev.ipckit.codec;

import dev.ipckit.ProtocolException;

/**
 * A {@link Codec} could not encode a value or decode a message. The message names the codec and
 * what failed (the class that is not registered, the byte that is not valid UTF-8, ...).
 */
public class CodecException extends ProtocolException {
  private final String codec;

  public CodecException(String codec, String message) {
    super("codec " + codec + ": " + message);
    this.codec = codec;
  }

  public CodecException(String codec, String message, Throwable cause) {
    super("codec " + codec + ": " + message, cause);
    this.codec = codec;
  }

  /** The {@link Codec#name()} of the codec that failed. */
  public String codec() {
    return codec;
  }
}
