package dev.ipckit;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A parsed channel URI: {@code scheme:address[?option=value&...]}.
 *
 * <p>The address is the transport's business ({@code //127.0.0.1:7000}, {@code ///run/app.sock},
 * {@code 3}, {@code env:NODE_CHANNEL_FD}); options are the same kind of thing for every transport
 * and are read through the typed getters here. Sizes take a binary suffix ({@code 64KiB},
 * {@code 16MiB}, {@code 1g}; plain numbers are bytes); durations take {@code ms}, {@code s},
 * {@code m} or {@code h} (plain numbers are milliseconds). The table of options is in
 * {@link ChannelOptions} and docs/OPTIONS.md.
 */
public final class ChannelUri {
  private final String text;
  private final String scheme;
  private final String address;
  private final URI base;
  private final Map<String, String> options;

  private ChannelUri(String text, String scheme, String address, URI base, Map<String, String> options) {
    this.text = text;
    this.scheme = scheme;
    this.address = address;
    this.base = base;
    this.options = Collections.unmodifiableMap(options);
  }

  public static ChannelUri parse(String text) throws InvalidChannelUriException {
    if (text == null || text.isBlank()) {
      throw new InvalidChannelUriException(String.valueOf(text), "empty; expected scheme:address, e.g. tcp://127.0.0.1:7000");
    }
    int colon = text.indexOf(':');
    if (colon <= 0) {
      throw new InvalidChannelUriException(text, "no scheme; expected scheme:address, e.g. unix:///run/app.sock");
    }
    String scheme = text.substring(0, colon).toLowerCase(Locale.ROOT);
    if (!scheme.matches("[a-z][a-z0-9+.-]*")) {
      throw new InvalidChannelUriException(text, "scheme '" + scheme + "' is not a valid URI scheme");
    }
    int q = text.indexOf('?', colon);
    String baseText = q < 0 ? text : text.substring(0, q);
    Map<String, String> options = new LinkedHashMap<>();
    if (q >= 0) {
      for (String pair : text.substring(q + 1).split("&")) {
        if (pair.isEmpty()) {
          continue;
        }
        int eq = pair.indexOf('=');
        String key = decode(text, eq < 0 ? pair : pair.substring(0, eq));
        String value = eq < 0 ? "true" : decode(text, pair.substring(eq + 1));
        if (options.put(key, value) != null) {
          throw new InvalidChannelUriException(text, "option '" + key + "' given twice");
        }
      }
    }
    URI base;
    try {
      // an empty address (pipe:, pipe:?x=1) is legal here but not to java.net.URI: stand in an
      // opaque URI with neither host nor path
      base = colon == baseText.length() - 1 ? new URI(scheme, "?", null) : new URI(baseText);
    } catch (URISyntaxException e) {
      throw new InvalidChannelUriException(text, e.getMessage());
    }
    return new ChannelUri(text, scheme, baseText.substring(colon + 1), base, options);
  }

  private static String decode(String uri, String s) throws InvalidChannelUriException {
    try {
      return URLDecoder.decode(s, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new InvalidChannelUriException(uri, "bad percent-encoding in '" + s + "'");
    }
  }

  /** The URI as given. */
  @Override
  public String toString() {
    return text;
  }

  public String scheme() {
    return scheme;
  }

  /** Everything between {@code scheme:} and {@code ?}. */
  public String address() {
    return address;
  }

  /**
   * The URI without its options, for transports whose address is hierarchical. For an empty
   * address ({@code pipe:}) it is an opaque URI with neither host nor path.
   */
  public URI base() {
    return base;
  }

  public Map<String, String> options() {
    return options;
  }

  /** This URI with another address and the same options (to report a bound port, for example). */
  public ChannelUri withAddress(String newAddress) {
    StringBuilder sb = new StringBuilder(scheme).append(':').append(newAddress);
    int q = text.indexOf('?');
    if (q >= 0) {
      sb.append(text.substring(q));
    }
    try {
      return parse(sb.toString());
    } catch (InvalidChannelUriException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  public String string(String name, String def) {
    return options.getOrDefault(name, def);
  }

  public boolean bool(String name, boolean def) throws InvalidChannelUriException {
    String v = options.get(name);
    if (v == null) {
      return def;
    }
    switch (v.toLowerCase(Locale.ROOT)) {
      case "true", "yes", "1", "on":
        return true;
      case "false", "no", "0", "off":
        return false;
      default:
        throw new InvalidChannelUriException(text, "option " + name + "=" + v + " is not a boolean (true/false)");
    }
  }

  public long integer(String name, long def) throws InvalidChannelUriException {
    String v = options.get(name);
    if (v == null) {
      return def;
    }
    try {
      return Long.parseLong(v.trim());
    } catch (NumberFormatException e) {
      throw new InvalidChannelUriException(text, "option " + name + "=" + v + " is not a whole number");
    }
  }

  public long size(String name, long def) throws InvalidChannelUriException {
    String v = options.get(name);
    if (v == null) {
      return def;
    }
    long size = parseSize(v);
    if (size < 0) {
      throw new InvalidChannelUriException(text, "option " + name + "=" + v
          + " is not a size (a number of bytes, or with KiB, MiB or GiB)");
    }
    return size;
  }

  public Duration duration(String name, Duration def) throws InvalidChannelUriException {
    String v = options.get(name);
    if (v == null) {
      return def;
    }
    Duration d = parseDuration(v);
    if (d == null) {
      throw new InvalidChannelUriException(text, "option " + name + "=" + v
          + " is not a duration (e.g. 500ms, 10s, 2m, 1h; a plain number is milliseconds)");
    }
    return d;
  }

  static long parseSize(String v) {
    String s = v.trim().toLowerCase(Locale.ROOT);
    int i = 0;
    while (i < s.length() && Character.isDigit(s.charAt(i))) {
      i++;
    }
    if (i == 0) {
      return -1;
    }
    long shift;
    switch (s.substring(i).trim()) {
      case "", "b" -> shift = 0;
      case "k", "kb", "kib" -> shift = 10;
      case "m", "mb", "mib" -> shift = 20;
      case "g", "gb", "gib" -> shift = 30;
      default -> {
        return -1;
      }
    }
    try {
      long n = Long.parseLong(s.substring(0, i));
      if (n > (Long.MAX_VALUE >> shift)) {
        return -1;
      }
      return n << shift;
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  static Duration parseDuration(String v) {
    String s = v.trim().toLowerCase(Locale.ROOT);
    int i = 0;
    while (i < s.length() && Character.isDigit(s.charAt(i))) {
      i++;
    }
    if (i == 0 || i > 15) {
      return null;
    }
    long n = Long.parseLong(s.substring(0, i));
    return switch (s.substring(i).trim()) {
      case "", "ms" -> Duration.ofMillis(n);
      case "us" -> Duration.ofNanos(n * 1000);
      case "s" -> Duration.ofSeconds(n);
      case "m", "min" -> Duration.ofMinutes(n);
      case "h" -> Duration.ofHours(n);
      default -> null;
    };
  }
}
