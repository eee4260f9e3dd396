package dev.ipckit.bench;

import dev.ipckit.Channel;
import dev.ipckit.Channels;
import dev.ipckit.Delivery;
import dev.ipckit.Handles;
import dev.ipckit.pipe.ChildProcess;
import dev.ipckit.pipe.Spawn;
import dev.ipckit.pipe.internal.Fds;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.newsclub.net.unix.AFUNIXSocketChannel;
import org.newsclub.net.unix.AFUNIXSocketPair;

/**
 * A child process this process starts itself, talking over what it inherited: ipckit's
 * {@code pipe:} (its stdin and stdout) and {@code fd:} (a socketpair on fd 3), both through
 * ipc-pipe's {@link Spawn} with the child opening {@code Channels.fromEnvironment()}; and their
 * baselines with ipckit's framing written by hand ({@link RawLink}): {@code raw-pipe} (a
 * ProcessBuilder child's stdin and stdout, read and written as plain streams and file channels,
 * grown to the 1 MiB that {@code pipe:} gives its own pipes) and {@code raw-socketpair} (a
 * junixsocket socketpair, one end handed to the child over its fd: channel before the row starts,
 * then used as a plain blocking socket on both sides; the same default buffers as fd:'s).
 */
final class ChildRow extends Row {
  private static final Duration HANDSHAKE = Duration.ofSeconds(30);

  private enum Kind { RAW_PIPE, PIPE, RAW_SOCKETPAIR, FD }

  private final Kind kind;

  private ChildRow(String label, String baseline, Kind kind) {
    super(label, baseline);
    this.kind = kind;
  }

  static final ChildRow RAW_PIPE = new ChildRow("raw-pipe", null, Kind.RAW_PIPE);
  static final ChildRow PIPE = new ChildRow("pipe", "raw-pipe", Kind.PIPE);
  static final ChildRow RAW_SOCKETPAIR = new ChildRow("raw-socketpair", null, Kind.RAW_SOCKETPAIR);
  static final ChildRow FD = new ChildRow("fd", "raw-socketpair", Kind.FD);

  @Override
  Session start(BenchContext ctx, int size, Duration sendFor) throws IOException {
    List<String> args = PeerProcess.peerArgs(this, "-", size, sendFor);
    if (kind == Kind.RAW_PIPE) {
      List<String> cmd = new ArrayList<>();
      cmd.add(PeerProcess.javaCommand());
      cmd.addAll(PeerProcess.jvmArgs(ctx, this));
      cmd.add("-cp");
      cmd.add(System.getProperty("java.class.path"));
      cmd.add(PeerMain.class.getName());
      cmd.addAll(args);
      Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
      PeerProcess peer = new PeerProcess(p);
      return new Session(new RawLink(StreamChannels.reading(p.getInputStream()),
          StreamChannels.writing(p.getOutputStream()), false, () -> {
            p.getOutputStream().close();
            p.getInputStream().close();
          }), peer);
    }
    Spawn spawn = Spawn.java(PeerMain.class, args.toArray(String[]::new))
        .jvmArgs(PeerProcess.jvmArgs(ctx, this).toArray(String[]::new));
    if (kind == Kind.PIPE) {
      spawn.channel("pipe" + ctx.channelQuery());
    } else if (kind == Kind.FD) {
      spawn.channel("fd" + ctx.channelQuery());
    }
    ChildProcess child = spawn.start();
    PeerProcess peer = new PeerProcess(child);
    try {
      Channel channel = child.channel();
      if (kind != Kind.RAW_SOCKETPAIR) {
        return new Session(new IpckitLink(channel), peer, child::close);
      }
      AFUNIXSocketPair<AFUNIXSocketChannel> pair = AFUNIXSocketPair.open();
      AFUNIXSocketChannel childEnd = pair.getSocket2();
      channel.send(ByteBuffer.allocate(1), Handles.of(childEnd));
      channel.receive(HANDSHAKE);
      // our copy of the child's end stays open until the row is over: junixsocket's close shuts
      // the socket down, for the child's copy too
      return new Session(RawLink.of(pair.getSocket1()), peer, childEnd, channel, child::close);
    } catch (IOException | RuntimeException e) {
      peer.close();
      child.close();
      throw e;
    }
  }

  @Override
  BenchLink peer(String address) throws IOException {
    switch (kind) {
      case RAW_PIPE -> {
        // the same kernel buffer as pipe: gets (PipeLink grows both pipes), so the row compares
        // the engines, not the pipes' sizes
        Fds.growPipe(0);
        Fds.growPipe(1);
        FileChannel in = new FileInputStream(FileDescriptor.in).getChannel();
        FileChannel out = new FileOutputStream(FileDescriptor.out).getChannel();
        return new RawLink(in, out, true, () -> {
          out.close();
          in.close();
        });
      }
      case RAW_SOCKETPAIR -> {
        Channel parent = Channels.fromEnvironment();
        Delivery d = parent.receiveWithHandles(HANDSHAKE);
        SocketChannel socket = Handles.socketChannel(d.handles().get(0));
        parent.send(ByteBuffer.allocate(1));
        socket.configureBlocking(true);
        return new RawLink(socket, socket, true, () -> {
          socket.close();
          parent.close();
        });
      }
      default -> {
        return new IpckitLink(Channels.fromEnvironment());
      }
    }
  }
}
