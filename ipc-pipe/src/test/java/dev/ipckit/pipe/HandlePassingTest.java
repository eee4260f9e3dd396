package dev.ipckit.pipe;

import static org.junit.jupiter.api.Assertions.*;

import dev.ipckit.Capability;
import dev.ipckit.Channel;
import dev.ipckit.Channels;
import dev.ipckit.Delivery;
import dev.ipckit.Handle;
import dev.ipckit.Handles;
import dev.ipckit.TransportUnavailableException;
import dev.ipckit.pipe.internal.Fds;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Open sockets travelling with messages over fd: (SCM_RIGHTS through junixsocket). */
@Timeout(90)
class HandlePassingTest {

  private static ByteBuffer bytes(String s) {
    return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
  }

  private static String line(InetSocketAddress at) throws IOException {
    try (Socket s = new Socket(at.getAddress(), at.getPort())) {
      s.setSoTimeout(20_000);
      return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8)).readLine();
    }
  }

  private static Channel[] pair() throws Exception {
    int[] sv = Fds.socketPair();
    CompletableFuture<Channel> b = CompletableFuture.supplyAsync(() -> {
      try {
        return Channels.open("fd:" + sv[1]);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
    Channel a = Channels.open("fd:" + sv[0]);
    return new Channel[] {a, b.get(10, TimeUnit.SECONDS)};
  }

  @Test
  void aListeningSocketSentInThisProcessAcceptsAtTheOtherEndAndOutlivesTheChannel() throws Exception {
    Handle listener = Handles.bindTcp(new InetSocketAddress("127.0.0.1", 0), 16);
    Channel[] p = pair();
    assertTrue(p[0].capabilities().has(Capability.PASSES_HANDLES));
    p[0].send(bytes("take this"), listener);
    p[0].send(bytes("and nothing"));
    Delivery d = p[1].receiveWithHandles(Duration.ofSeconds(10));
    assertEquals("take this", StandardCharsets.UTF_8.decode(d.message()).toString());
    assertEquals(1, d.handles().size());
    Delivery plain = p[1].receiveWithHandles(Duration.ofSeconds(10));
    assertEquals(List.of(), plain.handles());
    p[0].close();
    p[1].close();
    listener.close(); // the sender's copy: the receiver's is its own
    try (ServerSocketChannel server = Handles.serverSocketChannel(d.handles().get(0))) {
      InetSocketAddress at = (InetSocketAddress) server.getLocalAddress();
      CompletableFuture<String> client = CompletableFuture.supplyAsync(() -> {
        try {
          return line(new InetSocketAddress("127.0.0.1", at.getPort()));
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });
      try (SocketChannel c = server.accept()) {
        c.write(bytes("accepted through a passed listener\n"));
      }
      assertEquals("accepted through a passed listener", client.get(20, TimeUnit.SECONDS));
    }
  }

  @Test
  void workersAcceptFromOneListenerTheSupervisorBoundAndTakeAPassedConnection() throws Exception {
    Handle listener = Handles.bindTcp(new InetSocketAddress("127.0.0.1", 0), 64);
    List<ChildProcess> workers = new ArrayList<>();
    try (ServerSocketChannel mine = Handles.serverSocketChannel(listener)) {
      int port = ((InetSocketAddress) mine.getLocalAddress()).getPort();
      Set<Long> pids = new HashSet<>();
      for (int i = 0; i < 2; i++) {
        ChildProcess w = Spawn.java(ChildMain.class, "worker").jvmArgs(ChildMain.FAST_JVM).start();
        workers.add(w);
        pids.add(w.pid());
        w.channel().send(bytes("listen"), listener);
        assertEquals("ready", StandardCharsets.UTF_8.decode(w.channel().receive(Duration.ofSeconds(60))).toString());
      }
      // the supervisor does not accept: every connection is answered by a worker
      for (int i = 0; i < 6; i++) {
        String who = line(new InetSocketAddress("127.0.0.1", port));
        assertTrue(pids.contains(Long.parseLong(who)), "answered by " + who + ", workers are " + pids);
      }
      // an accepted connection can be passed too: accepted here on a listener of our own, answered
      // by a worker
      Handle own = Handles.bindTcp(new InetSocketAddress("127.0.0.1", 0), 4);
      try (ServerSocketChannel ours = Handles.serverSocketChannel(own)) {
        int ownPort = ((InetSocketAddress) ours.getLocalAddress()).getPort();
        CompletableFuture<String> client = CompletableFuture.supplyAsync(() -> {
          try {
            return line(new InetSocketAddress("127.0.0.1", ownPort));
          } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        });
        ChildProcess w0 = workers.get(0);
        try (SocketChannel accepted = ours.accept()) {
          w0.channel().send(bytes("answer this"), Handles.of(accepted));
          assertEquals("done", StandardCharsets.UTF_8.decode(w0.channel().receive(Duration.ofSeconds(20)))
              .toString());
        }
        assertEquals("passed to " + w0.pid(), client.get(20, TimeUnit.SECONDS));
      }
    } finally {
      listener.close();
      for (ChildProcess w : workers) {
        w.close();
        assertEquals(ExitStatus.exited(0), w.exit().get(20, TimeUnit.SECONDS), w.toString());
      }
    }
  }

  @Test
  void channelsThatCannotPassHandlesSaySo() throws Exception {
    Handle listener = Handles.bindTcp(new InetSocketAddress("127.0.0.1", 0), 4);
    String name = "mem:handles-" + System.nanoTime();
    try (dev.ipckit.ChannelServer server = Channels.listen(name); Channel mem = Channels.open(server.uri())) {
      TransportUnavailableException e = assertThrows(TransportUnavailableException.class,
          () -> mem.send(bytes("x"), listener));
      assertTrue(e.getMessage().contains("does not declare PASSES_HANDLES"), e.getMessage());
    }
    Channel[] p = pair();
    try {
      IllegalArgumentException tooMany = assertThrows(IllegalArgumentException.class,
          () -> p[0].send(bytes("x"), new Handle[254]));
      assertTrue(tooMany.getMessage().contains("at most 253"), tooMany.getMessage());
      assertThrows(IOException.class, () -> Handles.of(SocketChannel.open()));
    } finally {
      p[0].close();
      p[1].close();
      listener.close();
    }
  }
}
