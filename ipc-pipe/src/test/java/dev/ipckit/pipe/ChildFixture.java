package dev.ipckit.pipe;

import dev.ipckit.Capabilities;
import dev.ipckit.Channel;
import dev.ipckit.ChannelServer;
import dev.ipckit.tests.ChildJvm;
import dev.ipckit.tests.PeerMain;
import dev.ipckit.tests.TransportFixture;
import java.io.File;
import java.io.IOException;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.List;
import org.newsclub.net.unix.FileDescriptorCast;
import org.opentest4j.TestAbortedException;

/**
 * The conformance suite's fixture for transports whose peer is a child process (fd:, pipe:):
 * the suite's {@link PeerMain} is forked with {@link Spawn} and opens {@code childUri}; an
 * in-process pair is made by {@link #inProcessPair}.
 */
abstract class ChildFixture extends TransportFixture {
  private final String kind;
  private final String childUri;

  /**
   * @param kind the {@link Spawn#channel} kind
   * @param childUri what the child opens (its options are appended)
   */
  ChildFixture(String kind, String childUri, Capabilities capabilities) {
    super(capabilities);
    this.kind = kind;
    this.childUri = childUri;
  }

  @Override
  public String serverUri(String options) {
    throw noServer();
  }

  /**
   * The suite's cases that need a server (one facing many raw clients) are skipped with this
   * reason; its raw-byte cases run over {@link #rawConnection} instead.
   */
  @Override
  public ChannelServer listen(String options) {
    throw noServer();
  }

  @Override
  public ByteChannel rawConnect(ChannelServer server) {
    throw noServer();
  }

  private TestAbortedException noServer() {
    return new TestAbortedException(kind + ": has no server side (a child opens the channel its parent made), so "
        + "there is no server for raw clients to connect to");
  }

  /** Both ends of a new channel in this process, opened with {@code options}. */
  abstract Channel[] inProcessPair(String options) throws IOException;

  /**
   * A channel opened with {@code options} on one end of a new socketpair or pair of pipes, and the
   * other end as raw bytes.
   */
  @Override
  public abstract RawConnection rawConnection(String options) throws IOException;

  /**
   * Raw bytes over two descriptors this takes ownership of (the same one twice would be closed
   * twice: pass a duplicate), read and written with plain read(2) and write(2).
   */
  static ByteChannel rawBytes(int readFd, int writeFd) throws IOException {
    FileChannel in = FileDescriptorCast.unsafeUsing(readFd).as(FileInputStream.class).getChannel();
    FileChannel out = FileDescriptorCast.unsafeUsing(writeFd).as(FileOutputStream.class).getChannel();
    return new ByteChannel() {
      @Override
      public int read(ByteBuffer dst) throws IOException {
        return in.read(dst);
      }

      @Override
      public int write(ByteBuffer src) throws IOException {
        return out.write(src);
      }

      @Override
      public boolean isOpen() {
        return in.isOpen() && out.isOpen();
      }

      @Override
      public void close() throws IOException {
        try {
          out.close();
        } finally {
          in.close();
        }
      }
    };
  }

  @Override
  public Pair connectedPair(String options) throws IOException {
    Channel[] ends = inProcessPair(options);
    closeLater(ends[0]);
    closeLater(ends[1]);
    return new Pair(ends[0], ends[1], null);
  }

  @Override
  public ChildPeer startPeer(String options, String mode, String... args) throws IOException {
    String q = options.isEmpty() ? "" : "?" + options;
    List<String> argv = new ArrayList<>();
    if (kind.equals("pipe")) {
      // PeerMain cannot watch its stdin (it is the channel): the channel watches the parent instead
      String pid = "parentPid=" + ProcessHandle.current().pid();
      argv.add(childUri + (q.isEmpty() ? "?" + pid : q + "&" + pid));
    } else {
      argv.add(childUri + q);
    }
    argv.add(mode);
    argv.addAll(List.of(args));
    File log = ChildJvm.newLogFile(PeerMain.class);
    ChildProcess child = Spawn.java(PeerMain.class, argv.toArray(new String[0]))
        .jvmArgs("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1")
        .channel(kind + q)
        // PeerMain exits when its stdin, a pipe nobody writes to, reaches end-of-file: when we die
        .stdin(kind.equals("pipe") ? null : Stdio.PIPE)
        .stderrTo(log.toPath())
        .start();
    if (!kind.equals("pipe")) {
      closeLater(child);
    }
    Channel ch;
    try {
      ch = child.channel();
    } catch (IOException e) {
      child.destroyForcibly();
      throw new IOException(e.getMessage() + "; its output:\n" + new ChildPeer(child, null, log.toPath()).output(), e);
    }
    closeLater(ch);
    return closeLater(new ChildPeer(child, ch, log.toPath()));
  }
}
