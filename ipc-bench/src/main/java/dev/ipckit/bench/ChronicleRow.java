package dev.ipckit.bench;

import dev.ipckit.Channels;
import dev.ipckit.shm.ShmTransport;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import net.openhft.chronicle.threads.LongPauser;
import net.openhft.chronicle.threads.Pauser;

/**
 * A directory of memory-mapped queues both processes open: plain Chronicle Queue (one queue per
 * direction, an appender and a tailer, see {@link ChronicleLink}) and ipckit's {@code shm:}. Each
 * ipckit row is compared with a plain row whose receivers wait the same way, on both sides:
 * {@code shm-busy} ({@code wait=busy}) with {@code chronicle} (a busy-spinning tailer), and
 * {@code shm} (the default {@code wait=backoff}) with {@code chronicle-backoff} (Chronicle's own
 * {@link LongPauser} set to shm:'s back-off: spins for 20 us, yields until 120 us, then parks
 * growing from 10 us to 1 ms). Both processes need Chronicle's JVM flags.
 */
final class ChronicleRow extends ListeningRow {
  private final boolean plain;
  private final String wait;

  private ChronicleRow(String label, String baseline, boolean plain, String wait) {
    super(label, baseline);
    this.plain = plain;
    this.wait = wait;
  }

  static final ChronicleRow CHRONICLE = new ChronicleRow("chronicle", null, true, "busy");
  static final ChronicleRow CHRONICLE_BACKOFF = new ChronicleRow("chronicle-backoff", null, true, "backoff");
  static final ChronicleRow SHM = new ChronicleRow("shm", "chronicle-backoff", false, "backoff");
  static final ChronicleRow SHM_BUSY = new ChronicleRow("shm-busy", "chronicle", false, "busy");

  @Override
  Optional<String> unavailability(BenchContext ctx) {
    return chronicleUnavailable();
  }

  /** Why Chronicle cannot run in this JVM (missing flags), or empty; sets it up to run otherwise. */
  private static Optional<String> chronicleUnavailable() {
    return new ShmTransport().unavailabilityCause().map(Throwable::getMessage);
  }

  @Override
  List<String> peerJvmFlags() {
    return ShmTransport.requiredJvmFlags();
  }

  @Override
  Listener listen(BenchContext ctx) throws IOException {
    Path dir = ctx.newPath(label(), "");
    if (plain) {
      return new ChronicleListener(dir, this::pauser);
    }
    String query = ctx.channelQuery();
    String uri = "shm:" + dir + (query.isEmpty() ? "?" : query + "&") + "wait=" + wait;
    return new IpckitListener(Channels.listen(uri));
  }

  @Override
  BenchLink peer(String address) throws IOException {
    Optional<String> why = chronicleUnavailable();
    if (why.isPresent()) {
      throw new IllegalStateException(why.get());
    }
    return plain ? ChronicleLink.peer(Path.of(address), pauser()) : new IpckitLink(Channels.open(address));
  }

  /** A fresh pauser for one side of a plain row: waits as the shm: row compared with it does. */
  private Pauser pauser() {
    return wait.equals("busy") ? Pauser.busy() : new LongPauser(20, 120, 10, 1000, TimeUnit.MICROSECONDS);
  }

  /** The queue directory the peer opens; the link comes at once (nothing to accept). */
  private static final class ChronicleListener implements Listener {
    private final Path dir;
    private final Supplier<Pauser> pauser;

    ChronicleListener(Path dir, Supplier<Pauser> pauser) {
      this.dir = dir;
      this.pauser = pauser;
    }

    @Override
    public String address() {
      return dir.toString();
    }

    @Override
    public BenchLink accept(Duration timeout) {
      return ChronicleLink.parent(dir, pauser.get());
    }

    @Override
    public void close() throws IOException {
      BenchContext.deleteTree(dir);
    }
  }
}
