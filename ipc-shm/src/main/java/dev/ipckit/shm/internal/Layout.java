package dev.ipckit.shm.internal;

import java.nio.file.Path;

/**
 * Where a shm: server and its connections keep their files. Not API.
 *
 * <pre>
 * DIR/                         the directory of shm:/DIR (created 0700 if missing)
 *   server.ctl                 the listening server's {@link ControlBlock} (LISTENING = OPEN)
 *   connections/
 *     PID-RANDOM/              one per client; the client creates it, the server finds it in accept
 *       to-server/             Chronicle queue the client writes and the server reads
 *       to-client/             Chronicle queue the server writes and the client reads
 *       client.ctl             the client's control block, written last: the connection is complete
 *       server.ctl             the server's control block for this connection, written by accept
 * </pre>
 *
 * A client needs no answer to connect: like a TCP connection waiting in the backlog, it may send at
 * once (up to {@code sendBuffer} bytes until the server accepts and reads). Until its connection
 * has a {@code server.ctl}, the client watches the listening server's block instead.
 */
public record Layout(Path dir) {
  public Path serverBlock() {
    return dir.resolve("server.ctl");
  }

  public Path connections() {
    return dir.resolve("connections");
  }

  public Path connection(String id) {
    return connections().resolve(id);
  }

  /** The end of one connection, seen from one side. */
  public enum Side {
    CLIENT("client.ctl", "server.ctl", "to-server", "to-client"),
    SERVER("server.ctl", "client.ctl", "to-client", "to-server");

    public final String ownBlock;
    public final String peerBlock;
    public final String outQueue;
    public final String inQueue;

    Side(String ownBlock, String peerBlock, String outQueue, String inQueue) {
      this.ownBlock = ownBlock;
      this.peerBlock = peerBlock;
      this.outQueue = outQueue;
      this.inQueue = inQueue;
    }
  }
}
