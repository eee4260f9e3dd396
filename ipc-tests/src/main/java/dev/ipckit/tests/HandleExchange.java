package dev.ipckit.tests;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.ipckit.Channel;
import dev.ipckit.Delivery;
import dev.ipckit.Handle;
import dev.ipckit.Handles;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;

/**
 * Open sockets passed both ways between the suite (the parent) and {@link PeerMain} (the child),
 * in lockstep; every step is a message, and the sender of a socket keeps its own copy open until
 * the receiver says it is done with it (closing a junixsocket channel shuts the socket down for
 * every process that holds it):
 *
 * <pre>
 *  parent                                   child
 *  ("listener", its TCP listener)   ---->   accepts from it
 *                                   <----   "ready PID PORT"
 *  connects a client to PORT                accepts that client
 *                                   <----   ("accepted", the accepted connection)
 *  writes a line through it, which
 *  its client reads;  "used"        ---->   closes its copies
 *                                   <----   ("listener", a TCP listener of its own)
 *  connects a client, accepts it
 *  ("answer", the accepted one)     ---->   writes "served by PID" through it
 *                                   <----   "done"
 *  its client reads that line
 * </pre>
 */
public final class HandleExchange {
  private HandleExchange() {}

  /** What the parent's half saw: the child's pid from its "ready" and the line its client read. */
  public record Seen(long childPid, String lineThroughPassedConnection, String lineServedByChild) {}

  /** The parent's half. */
  public static Seen parent(Channel ch, Duration patience) throws IOException, InterruptedException {
    Handle listener = Handles.bindTcp(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4);
    try {
      ch.send(text("listener"), listener);
    } finally {
      listener.close(); // a plain close: the child's copy stays a listener
    }
    String[] ready = text(expect(ch, "ready", patience).message()).split(" ");
    long childPid = Long.parseLong(ready[1]);
    String first;
    try (Socket client = connect(Integer.parseInt(ready[2]), patience)) {
      Delivery accepted = expect(ch, "accepted", patience);
      try (Handle h = only(accepted); SocketChannel c = Handles.socketChannel(h)) {
        writeFully(c, "through a connection the child accepted\n");
      }
      first = readLine(client);
    }
    ch.send(text("used"));
    Delivery theirs = expect(ch, "listener", patience);
    String second;
    try (Handle h = only(theirs); ServerSocketChannel server = Handles.serverSocketChannel(h)) {
      int port = ((InetSocketAddress) server.getLocalAddress()).getPort();
      try (Socket client = connect(port, patience); SocketChannel accepted = server.accept()) {
        ch.send(text("answer"), Handles.of(accepted));
        expect(ch, "done", patience);
        second = readLine(client);
      }
    }
    return new Seen(childPid, first, second);
  }

  /** The child's half. */
  static void child(Channel ch, Duration patience) throws IOException, PeerMain.ContractBroken {
    long pid = ProcessHandle.current().pid();
    Delivery first = expect(ch, "listener", patience);
    try (Handle h = only(first); ServerSocketChannel server = Handles.serverSocketChannel(h)) {
      int port = ((InetSocketAddress) server.getLocalAddress()).getPort();
      ch.send(text("ready " + pid + " " + port));
      try (SocketChannel accepted = server.accept()) {
        ch.send(text("accepted"), Handles.of(accepted));
        expect(ch, "used", patience);
      }
    }
    Handle mine = Handles.bindTcp(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4);
    try {
      ch.send(text("listener"), mine);
    } finally {
      mine.close();
    }
    Delivery answer = expect(ch, "answer", patience);
    try (Handle h = only(answer); SocketChannel c = Handles.socketChannel(h)) {
      writeFully(c, "served by " + pid + "\n");
    }
    ch.send(text("done"));
    ch.flush();
  }

  private static Delivery expect(Channel ch, String what, Duration patience) throws IOException {
    Delivery d = ch.receiveWithHandles(patience);
    if (d == null) {
      throw new IOException("expected \"" + what + "\" on " + ch.uri() + " within " + patience + ", nothing came");
    }
    String got = text(d.message().duplicate());
    if (!got.equals(what) && !got.startsWith(what + " ")) {
      closeAll(d);
      throw new IOException("expected \"" + what + "\" on " + ch.uri() + ", got \"" + got + "\"");
    }
    return d;
  }

  /** The one handle of {@code d}, or an IOException naming how many came. */
  private static Handle only(Delivery d) throws IOException {
    if (d.handles().size() != 1) {
      closeAll(d);
      throw new IOException("expected one handle with \"" + text(d.message().duplicate()) + "\", got "
          + d.handles().size());
    }
    return d.handles().get(0);
  }

  private static void closeAll(Delivery d) throws IOException {
    for (Handle h : d.handles()) {
      h.close();
    }
  }

  private static Socket connect(int port, Duration patience) throws IOException {
    Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
    s.setSoTimeout((int) patience.toMillis());
    return s;
  }

  private static String readLine(Socket s) throws IOException {
    return new BufferedReader(new InputStreamReader(s.getInputStream(), UTF_8)).readLine();
  }

  private static void writeFully(SocketChannel c, String s) throws IOException {
    c.configureBlocking(true);
    ByteBuffer b = ByteBuffer.wrap(s.getBytes(UTF_8));
    while (b.hasRemaining()) {
      c.write(b);
    }
  }

  private static ByteBuffer text(String s) {
    return ByteBuffer.wrap(s.getBytes(UTF_8));
  }

  private static String text(ByteBuffer b) {
    return UTF_8.decode(b).toString();
  }
}
