package dev.ipckit.redis.internal;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Redis stream entry ids ({@code <ms>-<seq>}, both unsigned 64-bit), as far as ipckit needs them (not API). */
public final class EntryIds {
  private static final Pattern ID = Pattern.compile("(\\d{1,20})(?:-(\\d{1,20}))?");
  private static final String MAX_SEQ = Long.toUnsignedString(-1L);

  private EntryIds() {}

  /**
   * The id just before {@code id} ({@code <ms>} alone means {@code <ms>-0}): XGROUP CREATE takes
   * the last id a group has seen, so a group that must start AT an entry is created at this one.
   * Before {@code <ms>-0} comes {@code <ms-1>-<max seq>}; before {@code 0-0}, {@code 0} (the
   * beginning).
   *
   * @throws IllegalArgumentException {@code id} is not an entry id
   */
  public static String before(String id) {
    Matcher m = ID.matcher(id);
    if (!m.matches()) {
      throw new IllegalArgumentException("'" + id + "' is not a stream entry id (<ms>-<seq> or <ms>)");
    }
    long ms;
    long seq;
    try {
      ms = Long.parseUnsignedLong(m.group(1));
      seq = m.group(2) == null ? 0 : Long.parseUnsignedLong(m.group(2));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + id + "' is out of range of a stream entry id (unsigned 64-bit parts)");
    }
    if (seq != 0) {
      return Long.toUnsignedString(ms) + "-" + Long.toUnsignedString(seq - 1);
    }
    if (ms != 0) {
      return Long.toUnsignedString(ms - 1) + "-" + MAX_SEQ;
    }
    return "0";
  }
}
