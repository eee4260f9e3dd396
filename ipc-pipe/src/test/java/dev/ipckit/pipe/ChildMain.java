package dev.ipckit.pipe;

import dev.ipckit.Handles;
import dev.ipckit.Channel;
import dev.ipckit.ChannelClosedException;
import dev.ipckit.Channels;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The child the tests fork: {@code ChildMain MODE [ARGS]}.
 *
 * <ul>
 *   <li>{@code echo}: opens its channel with {@code Channels.fromEnvironment()} and answers every
 *       message with the same bytes; {@code "creds"} with its channel's peer credentials,
 *       {@code "print"} by printing a line to System.out and answering {@code "printed"},
 *       {@code "exit N"} with {@code "bye"} and then exits with code N. Exits 0 when the parent
 *       closes.
 *   <li>{@code exit N}: exits with code N without opening its channel.
 *   <li>{@code worker}: receives a listening socket with its first message, answers
 *       {@code "ready"}, and then answers every TCP connection on it with its pid and a newline;
 *       a further message carrying a connected socket is answered on that socket with
 *       {@code "passed to PID"}, then {@code "done"} on the channel. Exits 0 when the parent closes.
 *   <li>{@code open URI}: opens URI and prints what came of it; exits 1 if it failed.
 *   <li>{@code hold}: opens its channel, says {@code "ready"}, then sleeps.
 *   <li>{@code parent N}: forks N {@code hold} children, sends their pids up as one message
 *       ({@code "pid pid pid"}), then sleeps.
 * </ul>
 */
public final class ChildMain {
  static final String[] FAST_JVM = {"-Xmx48m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k"};

  private ChildMain() {}

  public static void main(String[] args) throws Exception {
    switch (args[0]) {
      case "exit" -> System.exit(Integer.parseInt(args[1]));
      case "echo" -> echo();
      case "hold" -> hold();
      case "parent" -> parent(Integer.parseInt(args[1]));
      case "worker" -> worker();
      case "open" -> {
        try (Channel ch = Channels.open(args[1])) {
          System.out.println("opened " + ch.uri());
        } catch (Exception e) {
          System.out.println(e.getMessage());
          System.exit(1);
        }
      }
      default -> throw new IllegalArgumentException(args[0]);
    }
  }

  private static void echo() throws Exception {
    try (Channel ch = Channels.fromEnvironment()) {
      while (true) {
        ByteBuffer m;
        try {
          m = ch.receive(Duration.ofMinutes(5));
        } catch (ChannelClosedException e) {
          return;
        }
        if (m == null) {
          return;
        }
        String text = StandardCharsets.UTF_8.decode(m.duplicate()).toString();
        if (text.equals("creds")) {
          String c = ch.peerCredentials().map(p -> p.pid() + " " + p.uid() + " " + p.gid()).orElse("none");
          ch.send(c.getBytes(StandardCharsets.UTF_8));
        } else if (text.equals("print")) {
          System.out.println("printed to stdout");
          System.out.flush();
          ch.send("printed".getBytes(StandardCharsets.UTF_8));
        } else if (text.startsWith("exit ")) {
          ch.send("bye".getBytes(StandardCharsets.UTF_8));
          ch.close();
          System.exit(Integer.parseInt(text.substring(5)));
        } else {
          ch.send(m);
        }
      }
    }
  }

  private static void worker() throws Exception {
    try (Channel up = Channels.fromEnvironment()) {
      dev.ipckit.Delivery first = up.receiveWithHandles(Duration.ofSeconds(60));
      java.nio.channels.ServerSocketChannel server = Handles.serverSocketChannel(first.handles().get(0));
      byte[] pid = (ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.UTF_8);
      Thread acceptor = new Thread(() -> {
        try {
          while (true) {
            try (java.nio.channels.SocketChannel c = server.accept()) {
              c.write(ByteBuffer.wrap(pid));
            }
          }
        } catch (java.io.IOException e) {
          // closed
        }
      }, "worker-accept");
      acceptor.setDaemon(true);
      acceptor.start();
      up.send("ready".getBytes(StandardCharsets.UTF_8));
      while (true) {
        dev.ipckit.Delivery d;
        try {
          d = up.receiveWithHandles(Duration.ofMinutes(5));
        } catch (ChannelClosedException e) {
          return;
        }
        if (d == null) {
          return;
        }
        for (dev.ipckit.Handle h : d.handles()) {
          try (java.nio.channels.SocketChannel c = Handles.socketChannel(h)) {
            c.write(ByteBuffer.wrap(("passed to " + ProcessHandle.current().pid() + "\n")
                .getBytes(StandardCharsets.UTF_8)));
          }
        }
        up.send("done".getBytes(StandardCharsets.UTF_8));
      }
    }
  }

  private static void hold() throws Exception {
    Channel ch = Channels.fromEnvironment();
    ch.send("ready".getBytes(StandardCharsets.UTF_8));
    ch.flush();
    Thread.sleep(Long.MAX_VALUE);
  }

  private static void parent(int n) throws Exception {
    Channel up = Channels.fromEnvironment();
    List<ChildProcess> children = new ArrayList<>();
    StringBuilder pids = new StringBuilder();
    for (int i = 0; i < n; i++) {
      ChildProcess c = Spawn.java(ChildMain.class, "hold").jvmArgs(FAST_JVM).start();
      children.add(c);
      ByteBuffer ready = c.channel().receive(Duration.ofSeconds(60));
      if (ready == null) {
        throw new IllegalStateException(c + " did not say ready");
      }
      pids.append(i == 0 ? "" : " ").append(c.pid());
    }
    up.send(pids.toString().getBytes(StandardCharsets.UTF_8));
    up.flush();
    Thread.sleep(Long.MAX_VALUE);
  }
}
