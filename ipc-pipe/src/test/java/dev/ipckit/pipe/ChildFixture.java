package dev.ipckit.pipe;

import dev.ipckit.Capabilities;
import dev.ipckit.Channel;
import dev.ipckit.ChannelServer;
import dev.ipckit.tests.ChildJvm;
import dev.ipckit.tests.PeerMain;
import dev.ipckit.tests.TransportFixture;
import java.io.File;
import java.io.IOException;
import java.nio.channels.ByteChannel;
import java.util.ArrayList;
import java.util.List;
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
   * The suite's raw-client cases are about a server facing raw clients; this transport has no
   * server, so they are skipped with that reason. Garbage and truncated frames on the channel
   * itself are covered by the transport's own tests.
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
