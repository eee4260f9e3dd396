package dev.ipckit.pipe;

import dev.ipckit.Channel;
import dev.ipckit.ChannelClosedException;
import dev.ipckit.Channels;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A Java child of a Node parent: opens Node's IPC channel with {@code Channels.fromEnvironment()}
 * (which finds NODE_CHANNEL_FD) and answers every message {@code m} with {@code {"echo": m}};
 * exits 0 when the parent disconnects.
 */
public final class NodeChildMain {
  private NodeChildMain() {}

  public static void main(String[] args) throws Exception {
    try (Channel ch = Channels.fromEnvironment()) {
      while (true) {
        ByteBuffer m;
        try {
          m = ch.receive(Duration.ofMinutes(1));
        } catch (ChannelClosedException e) {
          return;
        }
        if (m == null) {
          System.exit(2);
        }
        String json = StandardCharsets.UTF_8.decode(m).toString();
        ch.send(("{\"echo\":" + json + "}").getBytes(StandardCharsets.UTF_8));
      }
    }
  }
}
