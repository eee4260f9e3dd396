package dev.ipckit.bench;

import dev.ipckit.Channels;
import dev.ipckit.shm.ShmTransport;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A directory of memory-mapped queues both processes open: plain Chronicle Queue
 * ({@code chronicle}, one queue per direction, appender and busy-spinning tailer, see
 * {@link ChronicleLink}) and ipckit's {@code shm:} with its default back-off wait ({@code shm})
 * and with {@code wait=busy} ({@code shm-busy}). Both processes need Chronicle's JVM flags.
 */
final class ChronicleRow extends ListeningRow {
  private final String wait;

  private ChronicleRow(String label, String baseline, String wait) {
    super(label, baseline);
    this.wait = wait;
  }

  static final ChronicleRow CHRONICLE = new ChronicleRow("chronicle", null, null);
  static final ChronicleRow SHM = new ChronicleRow("shm", "chronicle", "backoff");
  static final ChronicleRow SHM_BUSY = new ChronicleRow("shm-busy", "chronicle", "busy");

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
    if (wait == null) {
      return new ChronicleListener(dir);
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
    return wait == null ? ChronicleLink.peer(Path.of(address)) : new IpckitLink(Channels.open(address));
  }

  /** The queue directory the peer opens; the link comes at once (nothing to accept). */
  private static final class ChronicleListener implements Listener {
    private final Path dir;

    ChronicleListener(Path dir) {
      this.dir = dir;
    }

    @Override
    public String address() {
      return dir.toString();
    }

    @Override
    public BenchLink accept(Duration timeout) {
      return ChronicleLink.parent(dir);
    }

    @Override
    public void close() throws IOException {
      BenchContext.deleteTree(dir);
    }
  }
}
