package dev.ipckit.tests;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Collectors;

/** Assertions and small helpers of the conformance suite; failure messages say what and how much. */
final class Checks {
  private Checks() {}

  /** {@code e} must be a ChannelClosedException; otherwise fails with {@code e} as the cause. */
  static void assertClosedException(Throwable e) {
    assertClosedException(e, "expected ChannelClosedException");
  }

  static void assertClosedException(Throwable e, String what) {
    if (!(e instanceof dev.ipckit.ChannelClosedException)) {
      throw new AssertionError(what + ", got " + e, e);
    }
  }

  /** Compares without printing megabytes: the size, or the first differing index. */
  static void assertSameBytes(byte[] expected, ByteBuffer actual, String what) {
    assertNotNull(actual, what + ": no message");
    if (actual.remaining() != expected.length) {
      fail(what + ": expected " + expected.length + " bytes, got " + actual.remaining());
    }
    int mismatch = ByteBuffer.wrap(expected).mismatch(actual.duplicate());
    if (mismatch >= 0) {
      fail(what + ": " + expected.length + "-byte message differs first at byte " + mismatch);
    }
  }

  static void assertMentions(Exception e, String... words) {
    String m = String.valueOf(e.getMessage());
    for (String w : words) {
      assertTrue(m.contains(w), e.getClass().getSimpleName() + " should name " + w + ": \"" + m + "\"");
    }
  }

  static void assertPrompt(long fromNanos, long toNanos, Duration limit, String what) {
    assertTrue(toNanos != 0, what + ": never happened");
    long ms = (toNanos - fromNanos) / 1_000_000;
    assertTrue(ms <= limit.toMillis(), what + " took " + ms + " ms; the limit is " + limit.toMillis() + " ms");
  }

  static void assertElapsed(long t0, long minMs, long maxMs, String what) {
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertTrue(ms >= minMs && ms <= maxMs, what + " took " + ms + " ms; expected " + minMs + " to " + maxMs);
  }

  static byte[] randomBytes(int size, long seed) {
    byte[] b = new byte[size];
    SplittableRandom r = new SplittableRandom(seed);
    for (int i = 0; i < size; i += 8) {
      long x = r.nextLong();
      for (int j = 0; j < 8 && i + j < size; j++, x >>>= 8) {
        b[i + j] = (byte) x;
      }
    }
    return b;
  }

  static byte[] bytesOf(ByteBuffer m) {
    byte[] b = new byte[m.remaining()];
    m.duplicate().get(b);
    return b;
  }

  /** This process's effective uid and gid, from /proc/self/status. */
  static long[] uidAndGid() throws IOException {
    Path status = Path.of("/proc/self/status");
    assumeTrue(Files.isReadable(status), "no /proc/self/status to learn this process's uid and gid");
    long uid = -1;
    long gid = -1;
    for (String line : Files.readAllLines(status)) {
      String[] f = line.split("\\s+");
      if (f[0].equals("Uid:")) {
        uid = Long.parseLong(f[2]);
      } else if (f[0].equals("Gid:")) {
        gid = Long.parseLong(f[2]);
      }
    }
    return new long[] {uid, gid};
  }

  static String stacksOf(String prefix) {
    ConcurrentLinkedQueue<String> out = new ConcurrentLinkedQueue<>();
    Thread.getAllStackTraces().forEach((t, st) -> {
      if (t.getName().startsWith(prefix)) {
        out.add(t.getName() + " at " + Arrays.stream(st).limit(8).map(String::valueOf)
            .collect(Collectors.joining(" <- ")));
      }
    });
    return out.isEmpty() ? "(no such thread)" : String.join("\n  ", out);
  }
}
