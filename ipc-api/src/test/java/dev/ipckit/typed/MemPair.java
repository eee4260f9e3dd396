package dev.ipckit.typed;

import dev.ipckit.Channel;
import dev.ipckit.ChannelServer;
import dev.ipckit.Channels;
import java.io.IOException;
import java.time.Duration;
import java.util.UUID;

/** A connected pair of mem: channels under a name no other test uses. */
record MemPair(ChannelServer server, Channel client, Channel serverEnd) implements AutoCloseable {

  static MemPair open() throws IOException {
    String uri = "mem:typed-" + UUID.randomUUID();
    ChannelServer server = Channels.listen(uri);
    Channel client = Channels.open(uri);
    Channel serverEnd = server.accept(Duration.ofSeconds(5));
    if (serverEnd == null) {
      server.close();
      throw new IOException("mem: server did not accept " + uri);
    }
    return new MemPair(server, client, serverEnd);
  }

  @Override
  public void close() throws IOException {
    client.close();
    server.close();
  }
}
