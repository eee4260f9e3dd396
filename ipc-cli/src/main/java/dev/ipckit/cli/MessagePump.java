package dev.ipckit.cli;

import dev.ipckit.Channel;
import dev.ipckit.ChannelClosedException;
import dev.ipckit.ChannelServer;
import dev.ipckit.IpcException;
import java.io.Closeable;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;

/**
 * The receiving loop of {@code listen} and {@code echo}: hands every message to an action, from
 * the one channel it opened or from every client of the server it started (a thread each), until
 * the action calls {@link #stop()} or, for an opened channel, the peer closes. Connections and
 * their ends are reported on stderr, since stdout carries the messages.
 */
final class MessagePump {
  /** What to do with each message; {@code from} is the channel it came on. */
  interface Action {
    void accept(Channel from, ByteBuffer message) throws IOException;
  }

  private static final Duration POLL = Duration.ofMillis(200);

  private final String command;
  private final Action action;
  private final PrintStream log;
  private final CountDownLatch stopped = new CountDownLatch(1);
  private volatile IOException serverFailure;

  MessagePump(String command, Action action, PrintStream log) {
    this.command = command;
    this.action = action;
    this.log = log;
  }

  /** Ends {@link #run}; called by the action (enough messages) from any thread. */
  void stop() {
    stopped.countDown();
  }

  /**
   * Serves {@code endpoint}, or opens it when {@code connect} is set or its transport has no
   * server side, and pumps until stopped.
   */
  void run(Endpoint endpoint, boolean connect) throws IOException, InterruptedException {
    Optional<ChannelServer> server = connect ? Optional.empty() : endpoint.listen();
    if (server.isPresent()) {
      try (ChannelServer s = server.get()) {
        closeOnExit(s);
        log.println(command + ": listening on " + s.uri());
        serve(s);
      }
      return;
    }
    try (Channel ch = endpoint.open()) {
      closeOnExit(ch);
      log.println(command + ": connected to " + ch.uri());
      drain(ch);
    } catch (ChannelClosedException peerGone) {
      // the peer closed first: the normal end of an opened channel, as EOF ends cat
      log.println(command + ": " + Failures.oneLine(peerGone));
    }
  }

  private void serve(ChannelServer server) throws IOException, InterruptedException {
    Thread acceptor = new Thread(() -> accept(server), "ipc-accept");
    acceptor.setDaemon(true);
    acceptor.start();
    stopped.await();
    IOException failure = serverFailure;
    if (failure != null) {
      throw failure;
    }
  }

  private void accept(ChannelServer server) {
    try {
      while (stopped.getCount() > 0) {
        Channel client = server.accept(POLL);
        if (client != null) {
          String who = describe(client);
          log.println(command + ": client connected: " + who);
          Thread t = new Thread(() -> client(client, who), "ipc-client");
          t.setDaemon(true);
          t.start();
        }
      }
    } catch (IOException e) {
      if (stopped.getCount() > 0) {
        serverFailure = e;
        stop();
      }
    }
  }

  private void client(Channel client, String who) {
    try (client) {
      drain(client);
    } catch (ChannelClosedException e) {
      log.println(command + ": client disconnected: " + who);
    } catch (IOException e) {
      // one client's failure (garbage on the wire, a write to a dead peer) must not end the server
      log.println(command + ": client " + who + " failed: " + Failures.oneLine(e));
    }
  }

  /** Pumps one channel until stopped; a closed channel ends it with ChannelClosedException. */
  private void drain(Channel ch) throws IOException {
    while (stopped.getCount() > 0) {
      ByteBuffer m;
      try {
        m = ch.receive(POLL);
      } catch (ChannelClosedException e) {
        throw e;
      } catch (IpcException e) {
        if (!ch.isOpen()) {
          throw e;
        }
        // the channel goes on after it (messages a Redis subscriber missed): say so and carry on
        log.println(command + ": " + Failures.oneLine(e));
        continue;
      }
      if (m != null) {
        action.accept(ch, m);
      }
    }
  }

  private static String describe(Channel client) {
    return client.uri() + client.peerCredentials().map(c -> " (pid " + c.pid() + ", uid " + c.uid() + ")").orElse("");
  }

  /** Ctrl-C or a kill still closes it: a server's socket file is removed, a peer told. */
  private static void closeOnExit(Closeable c) {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        c.close();
      } catch (IOException ignored) {
        // the process is ending; there is no one left to tell
      }
    }, "ipc-close-on-exit"));
  }
}
