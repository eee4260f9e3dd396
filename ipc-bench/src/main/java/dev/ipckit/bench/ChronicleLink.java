package dev.ipckit.bench;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ChronicleQueue;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.threads.Pauser;
import net.openhft.chronicle.wire.DocumentContext;

/**
 * The plain Chronicle Queue baseline: one queue per direction ({@code up}: peer to parent,
 * {@code down}: parent to peer), an appender writing one document per message and a tailer
 * reading them, waiting with a Chronicle {@link Pauser} while there is none (busy-spinning, or
 * backing off like shm:'s default). A document is a tag byte (data or stop, as ipckit's shm:
 * documents carry one) and the payload, written from and read in place of the mapped bytes.
 */
final class ChronicleLink implements BenchLink {
  private static final byte DATA = 0;
  private static final byte STOP = 1;
  private static final long WAIT_NANOS = 30_000_000_000L;

  private final ChronicleQueue in;
  private final ChronicleQueue out;
  private final ExcerptTailer tailer;
  private final ExcerptAppender appender;
  private final Pauser pauser;
  private byte[] echoBuffer = new byte[0];
  private long checksum;

  private ChronicleLink(Path inDir, Path outDir, Pauser pauser) {
    this.pauser = pauser;
    in = SingleChronicleQueueBuilder.binary(inDir).build();
    out = SingleChronicleQueueBuilder.binary(outDir).build();
    tailer = in.createTailer();
    appender = out.createAppender();
  }

  static ChronicleLink parent(Path dir, Pauser pauser) {
    return new ChronicleLink(dir.resolve("up"), dir.resolve("down"), pauser);
  }

  static ChronicleLink peer(Path dir, Pauser pauser) {
    return new ChronicleLink(dir.resolve("down"), dir.resolve("up"), pauser);
  }

  @Override
  public void sendFor(ByteBuffer payload, long nanos) {
    byte[] a = payload.array();
    int off = payload.arrayOffset() + payload.position();
    int len = payload.remaining();
    long end = System.nanoTime() + nanos;
    for (int i = 0; (i & 255) != 0 || System.nanoTime() - end < 0; i++) {
      a[off] = (byte) i;
      write(DATA, a, off, len);
    }
    write(STOP, a, off, 0);
  }

  @Override
  public ThroughputResult receive(ThroughputMeter meter) throws IOException {
    long count = 0;
    long sum = 0;
    long idleSince = 0;
    while (true) {
      boolean got = false;
      try (DocumentContext dc = tailer.readingDocument()) {
        if (dc.isPresent()) {
          Bytes<?> b = dc.wire().bytes();
          if (b.readByte() == STOP) {
            checksum += sum;
            return meter.finish(count, sum);
          }
          sum += b.readByte(b.readPosition());
          got = true;
          pauser.reset(); // as shm:'s poll starts its back-off over after a message
          if ((++count & 255) != 0) {
            continue;
          }
        }
      }
      // one clock read per 256 messages or per empty read after some, as a socket receiver pays one
      // per read; none before the first message, which starts the meter's warm-up
      if (count > 0) {
        meter.batch(count);
      }
      idleSince = got ? 0 : waited(idleSince, count);
    }
  }

  @Override
  public void echo() throws IOException {
    long idleSince = 0;
    while (true) {
      int len;
      try (DocumentContext dc = tailer.readingDocument()) {
        if (!dc.isPresent()) {
          idleSince = waited(idleSince, -1);
          continue;
        }
        idleSince = 0;
        pauser.reset();
        Bytes<?> b = dc.wire().bytes();
        if (b.readByte() == STOP) {
          return;
        }
        len = (int) b.readRemaining();
        if (echoBuffer.length < len) {
          echoBuffer = new byte[len];
        }
        b.read(echoBuffer, 0, len);
      }
      write(DATA, echoBuffer, 0, len);
    }
  }

  @Override
  public void roundTrip(ByteBuffer payload) throws IOException {
    write(DATA, payload.array(), payload.arrayOffset() + payload.position(), payload.remaining());
    long idleSince = 0;
    while (true) {
      try (DocumentContext dc = tailer.readingDocument()) {
        if (dc.isPresent()) {
          Bytes<?> b = dc.wire().bytes();
          b.readByte();
          checksum += b.readByte(b.readPosition());
          pauser.reset();
          return;
        }
      }
      idleSince = waited(idleSince, -1);
    }
  }

  @Override
  public void sendEnd() {
    write(STOP, new byte[0], 0, 0);
  }

  @Override
  public long checksum() {
    return checksum;
  }

  @Override
  public void close() {
    appender.close();
    tailer.close();
    in.close();
    out.close();
  }

  private void write(byte tag, byte[] a, int off, int len) {
    try (DocumentContext dc = appender.writingDocument()) {
      Bytes<?> b = dc.wire().bytes();
      b.writeByte(tag);
      b.write(a, off, len);
    }
  }

  /**
   * Pauses while the queue is empty; gives up after 30 s of nothing. {@code idleSince} is 0 while
   * messages flow; the clock is read only once the queue has been seen empty.
   */
  private long waited(long idleSince, long progress) throws SocketTimeoutException {
    pauser.pause();
    long now = System.nanoTime();
    if (idleSince == 0) {
      return now;
    }
    if (now - idleSince > WAIT_NANOS) {
      throw new SocketTimeoutException("no message in the Chronicle queue for 30 s" + (progress >= 0
          ? " after " + progress : ""));
    }
    return idleSince;
  }
}
