package dev.ipckit.tests;

import dev.ipckit.Channel;
import dev.ipckit.ChannelClosedException;
import dev.ipckit.Channels;
import java.nio.ByteBuffer;
import java.time.Duration;

/** The peer process of the cross-process cases: {@code PeerMain URI MODE [ARGS]}. */
public final class PeerMain {
  private PeerMain() {}

  public static void main(String[] args) throws Exception {
    try (Channel ch = Channels.open(args[0])) {
      switch (args[1]) {
        case "echo" -> {
          try {
            while (true) {
              ByteBuffer m = ch.receive(Duration.ofDays(1));
              if (m != null) {
                ch.send(m);
              }
            }
          } catch (ChannelClosedException e) {
            // the peer closed: done
          }
        }
        case "hold" -> Thread.sleep(Long.MAX_VALUE);
        case "close" -> { }
        default -> throw new IllegalArgumentException("unknown mode " + args[1]);
      }
    }
  }
}
