package dev.ipckit.redis.internal;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * The {@code redis-server} binary inside the {@code com.github.codemonstur:embedded-redis} jar,
 * when that jar is on the class path (not API).
 *
 * <p>Only the binary is used, not the library's code: the library extracts it to a
 * {@code /tmp/redis-*} directory it never removes, while this class copies it into a directory
 * the caller owns and removes. The entry is found by name ({@code redis-server-<version>-<os>-<arch>}),
 * so a newer jar with other versions inside still works.
 */
public final class EmbeddedRedisBinary {
  /** A class of the embedded-redis jar, to find the jar by. */
  static final String MARKER_CLASS = "redis.embedded.RedisServer";

  private EmbeddedRedisBinary() {}

  /** The platform's part of the entry name, e.g. {@code linux-amd64}; empty where the jar has none. */
  static Optional<String> platform() {
    String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
    String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
    String o = os.contains("linux") ? "linux" : os.contains("mac") ? "darwin" : null;
    String a = switch (arch) {
      case "amd64", "x86_64" -> "amd64";
      case "aarch64", "arm64" -> "arm64";
      case "x86", "i386", "i686" -> "386";
      default -> null;
    };
    return o == null || a == null ? Optional.empty() : Optional.of(o + "-" + a);
  }

  /**
   * Copies the binary for this platform into {@code dir} and makes it executable.
   *
   * @throws IOException naming why there is none: the jar is not on the class path, or has no
   *     binary for this platform
   */
  public static Path extractTo(Path dir) throws IOException {
    Path jar = jar();
    String platform = platform().orElseThrow(() -> new IOException("embedded-redis has no binary for "
        + System.getProperty("os.name") + "/" + System.getProperty("os.arch")));
    Pattern name = Pattern.compile("redis-server-[0-9][0-9.]*(-v[0-9]+)?-" + Pattern.quote(platform));
    try (ZipFile zip = new ZipFile(jar.toFile())) {
      ZipEntry entry = zip.stream().filter(e -> name.matcher(e.getName()).matches())
          .max(Comparator.comparing(ZipEntry::getName))
          .orElseThrow(() -> new IOException(jar + " has no redis-server for " + platform));
      Path target = dir.resolve("redis-server");
      try (InputStream in = zip.getInputStream(entry)) {
        Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
      }
      Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwx------"));
      return target;
    }
  }

  private static Path jar() throws IOException {
    Class<?> marker;
    try {
      marker = Class.forName(MARKER_CLASS, false, EmbeddedRedisBinary.class.getClassLoader());
    } catch (ClassNotFoundException e) {
      throw new IOException("com.github.codemonstur:embedded-redis is not on the class path");
    }
    try {
      Path p = Path.of(marker.getProtectionDomain().getCodeSource().getLocation().toURI());
      if (!Files.isRegularFile(p)) {
        throw new IOException("embedded-redis is not loaded from a jar: " + p);
      }
      return p;
    } catch (URISyntaxException | RuntimeException e) {
      throw new IOException("cannot locate the embedded-redis jar: " + e, e);
    }
  }
}
