package dev.ipckit.bench;

import java.time.Duration;
import java.util.Locale;

/** Message sizes ({@code 64}, {@code 1KiB}, {@code 64k}) and durations ({@code 500ms}, {@code 3s}) as people write them. */
final class Units {
  static final int MAX_SIZE = 16 << 20;

  private Units() {}

  /** Parses a size of 1 B to 16 MiB; throws IllegalArgumentException naming what was wrong. */
  static int parseSize(String v) {
    String s = v.trim().toLowerCase(Locale.ROOT);
    int i = digits(s);
    long n = -1;
    if (i > 0 && i <= 9) {
      n = Long.parseLong(s.substring(0, i));
      n = switch (s.substring(i)) {
        case "", "b" -> n;
        case "k", "kb", "kib" -> n << 10;
        case "m", "mb", "mib" -> n << 20;
        default -> -1;
      };
    }
    if (n < 1 || n > MAX_SIZE) {
      throw new IllegalArgumentException("message size '" + v + "' must be between 1 B and 16 MiB (e.g. 64, 1KiB)"
          + " (byte 0 carries the sequence number)");
    }
    return (int) n;
  }

  /** Parses a duration: {@code 500ms}, {@code 3s}, {@code 1m}; a plain number is seconds. */
  static Duration parseDuration(String v) {
    String s = v.trim().toLowerCase(Locale.ROOT);
    int i = digits(s);
    if (i > 0 && i <= 9) {
      long n = Long.parseLong(s.substring(0, i));
      switch (s.substring(i)) {
        case "", "s":
          return Duration.ofSeconds(n);
        case "ms":
          return Duration.ofMillis(n);
        case "m", "min":
          return Duration.ofMinutes(n);
        default:
          break;
      }
    }
    throw new IllegalArgumentException("'" + v + "' is not a duration (e.g. 500ms, 3s)");
  }

  /** {@code 64 B}, {@code 1 KiB}, {@code 64 KiB}. */
  static String size(int bytes) {
    if (bytes >= (1 << 20) && bytes % (1 << 20) == 0) {
      return (bytes >> 20) + " MiB";
    }
    if (bytes >= 1024 && bytes % 1024 == 0) {
      return (bytes >> 10) + " KiB";
    }
    return bytes + " B";
  }

  private static int digits(String s) {
    int i = 0;
    while (i < s.length() && Character.isDigit(s.charAt(i))) {
      i++;
    }
    return i;
  }
}
