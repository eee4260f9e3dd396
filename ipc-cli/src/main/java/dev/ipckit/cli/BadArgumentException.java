package dev.ipckit.cli;

/**
 * An argument the command cannot use: a bad URI, an unknown scheme or option, hex that is not
 * hex. Reported as one line with exit code 2, like the usage errors picocli finds itself.
 */
final class BadArgumentException extends Exception {
  private static final long serialVersionUID = 1L;

  BadArgumentException(String message) {
    super(message);
  }

  BadArgumentException(Throwable cause) {
    super(cause.getMessage(), cause);
  }
}
