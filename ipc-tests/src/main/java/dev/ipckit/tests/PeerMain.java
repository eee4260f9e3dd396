package dev.ipckit.tests;

import dev.ipckit.Channel;
import dev.ipckit.ChannelClosedException;
import dev.ipckit.Channels;
import dev.ipckit.PeerCredentials;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;

/**
 * The program a child JVM runs for the conformance suite's cross-process cases:
 * {@code PeerMain URI MODE [ARGS...]}. It opens {@code Channels.open(URI)} and runs one mode:
 *
 * <table>
 *   <caption>Modes</caption>
 *   <tr><th>mode</th><th>what it does</th></tr>
 *   <tr><td>{@code echo}</td><td>sends every message back until the peer closes, then exits 0</td></tr>
 *   <tr><td>{@code generate N SEED}</td><td>sends N {@link Traffic} messages and an end marker,
 *       then waits for the peer to close</td></tr>
 *   <tr><td>{@code verify}</td><td>receives {@link Traffic} messages until an end marker, checks
 *       order and checksums, replies {@code "ok COUNT BYTES"} or {@code "error WHAT"}, then waits
 *       for the peer to close</td></tr>
 *   <tr><td>{@code hold}</td><td>stays connected and reads nothing until killed</td></tr>
 *   <tr><td>{@code read N}</td><td>receives N messages, prints {@code "got I"} for each (I: its first
 *       int), flushes, then {@code "held"}, and holds until killed (a reader of a durable log)</td></tr>
 *   <tr><td>{@code close}</td><td>closes the channel at once and exits 0</td></tr>
 *   <tr><td>{@code handles}</td><td>the child's half of the suite's PASSES_HANDLES case (see
 *       {@link HandleExchange}), then waits for the peer to close</td></tr>
 *   <tr><td>{@code credentials}</td><td>replies {@code "PID UID GID"} as its channel's
 *       {@code peerCredentials()} reports them ({@code "none"} if empty), then waits for the
 *       peer to close</td></tr>
 * </table>
 *
 * <p>Unless its channel is {@code pipe:} (which is its stdin), it exits when its stdin reaches
 * end-of-file: the parent JVM, which holds the other end, is gone.
 *
 * <p>Exit codes: 0 done, 1 the contract was broken (details on stderr), 2 bad arguments,
 * 3 the parent JVM went away (stdin reached end-of-file), 4 an unexpected I/O error.
 */
public final class PeerMain {
  public static final int OK = 0;
  public static final int BROKEN = 1;
  public static final int USAGE = 2;
  public static final int ORPHANED = 3;
  public static final int IO_ERROR = 4;

  /** How long a mode waits for a message it needs before it gives up. */
  private static final Duration PATIENCE = Duration.ofSeconds(60);

  private PeerMain() {}

  public static void main(String[] args) {
    if (args.length == 0 || !args[0].startsWith("pipe:")) {
      watchParent(); // over pipe: stdin is the channel itself, and its end-of-file says the same
    }
    if (args.length < 2) {
      System.exit(fail(USAGE, "usage: PeerMain URI echo|generate N SEED|verify|hold|read N|close|credentials|handles"));
    }
    String[] rest = Arrays.copyOfRange(args, 2, args.length);
    int code;
    try {
      code = run(args[0], args[1], rest);
    } catch (ContractBroken e) {
      code = fail(BROKEN, e.getMessage());
    } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
      code = fail(USAGE, "bad arguments for mode " + args[1] + ": " + Arrays.toString(rest) + ": " + e);
    } catch (IOException | RuntimeException e) {
      e.printStackTrace();
      code = fail(IO_ERROR, "mode " + args[1] + " on " + args[0] + " failed: " + e);
    }
    System.out.flush();
    System.exit(code);
  }

  private static int run(String uri, String mode, String[] args) throws IOException, ContractBroken {
    if (mode.equals("close")) {
      Channel ch = Channels.open(uri);
      ch.close();
      return OK;
    }
    try (Channel ch = Channels.open(uri)) {
      switch (mode) {
        case "echo" -> echo(ch);
        case "generate" -> generate(ch, Long.parseLong(args[0]), Long.parseLong(args[1]));
        case "verify" -> {
          return verify(ch);
        }
        case "hold" -> hold();
        case "read" -> read(ch, Integer.parseInt(args[0]));
        case "credentials" -> credentials(ch);
        case "handles" -> {
          HandleExchange.child(ch, PATIENCE);
          awaitClose(ch);
        }
        default -> {
          return fail(USAGE, "unknown mode '" + mode + "'");
        }
      }
    }
    return OK;
  }

  private static void read(Channel ch, int n) throws IOException, ContractBroken {
    for (int i = 0; i < n; i++) {
      ByteBuffer m = ch.receive(PATIENCE);
      if (m == null || m.remaining() < 4) {
        throw new ContractBroken("message " + i + " was " + (m == null ? "not received" : m.remaining() + " bytes"));
      }
      System.out.println("got " + m.getInt(m.position()));
    }
    // what the reader owes the transport (acknowledgements) is handed over before it says held and
    // may be killed, so what comes again after the kill is exactly what was never acknowledged
    ch.flush();
    System.out.println("held");
    System.out.flush();
    hold();
  }

  private static void echo(Channel ch) throws IOException {
    while (true) {
      ByteBuffer m;
      try {
        m = ch.receive(PATIENCE);
      } catch (ChannelClosedException e) {
        return;
      }
      if (m != null) {
        ch.send(m);
      }
    }
  }

  private static void generate(Channel ch, long n, long seed) throws IOException, ContractBroken {
    Traffic.Generator g = new Traffic.Generator(seed);
    for (long i = 0; i < n; i++) {
      ch.send(g.next());
    }
    ch.send(Traffic.endMarker(n));
    ch.flush();
    awaitClose(ch);
  }

  private static int verify(Channel ch) throws IOException, ContractBroken {
    Traffic.Verifier v = new Traffic.Verifier("parent to child");
    String error = null;
    while (true) {
      ByteBuffer m = ch.receive(PATIENCE);
      if (m == null) {
        throw new ContractBroken("verify: no message for " + PATIENCE + " after " + v.count()
            + " messages");
      }
      if (Traffic.endCount(m) >= 0) {
        if (error == null) {
          try {
            v.checkEnd(m);
          } catch (IllegalStateException e) {
            error = e.getMessage();
          }
        }
        break;
      }
      if (error == null) {
        try {
          v.check(m);
        } catch (IllegalStateException e) {
          error = e.getMessage(); // keep reading to the end marker so the sender does not block
        }
      }
    }
    String summary = error == null ? "ok " + v.count() + " " + v.bytes() : "error " + error;
    ch.send(summary.getBytes(StandardCharsets.UTF_8));
    ch.flush();
    awaitClose(ch);
    if (error != null) {
      return fail(BROKEN, error);
    }
    return OK;
  }

  private static void hold() {
    while (true) {
      try {
        Thread.sleep(Long.MAX_VALUE);
      } catch (InterruptedException e) {
        // only SIGKILL (or the parent going away) ends this mode
      }
    }
  }

  private static void credentials(Channel ch) throws IOException, ContractBroken {
    Optional<PeerCredentials> c = ch.peerCredentials();
    String reply = c.map(p -> p.pid() + " " + p.uid() + " " + p.gid()).orElse("none");
    ch.send(reply.getBytes(StandardCharsets.UTF_8));
    ch.flush();
    awaitClose(ch);
  }

  /** Waits until the peer closes; a message arriving meanwhile breaks the mode's contract. */
  static void awaitClose(Channel ch) throws IOException, ContractBroken {
    try {
      ByteBuffer m = ch.receive(PATIENCE);
      if (m == null) {
        throw new ContractBroken("the peer did not close the channel within " + PATIENCE);
      }
      throw new ContractBroken("expected the peer to close, got a message of " + m.remaining() + " bytes");
    } catch (ChannelClosedException expected) {
      // the peer closed: done
    }
  }

  /** Exits when the parent JVM dies: it holds the other end of our stdin and never writes. */
  private static void watchParent() {
    Thread t = new Thread(() -> {
      try (InputStream in = System.in) {
        while (in.read() >= 0) {
          // nothing is ever sent; end-of-file means the parent is gone
        }
      } catch (IOException e) {
        // treat like end-of-file
      }
      System.exit(fail(ORPHANED, "the parent JVM went away; exiting"));
    }, "peer-parent-watch");
    t.setDaemon(true);
    t.start();
  }

  private static int fail(int code, String message) {
    System.err.println("PeerMain: " + message);
    System.err.flush();
    return code;
  }

  /** The parent broke the contract of the mode (wrong data, wrong order, no close). */
  static final class ContractBroken extends Exception {
    ContractBroken(String message) {
      super(message);
    }
  }
}
