package dev.ipckit.redis.internal;

import java.net.Socket;
import redis.clients.jedis.Connection;
import redis.clients.jedis.DefaultJedisSocketFactory;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.exceptions.JedisConnectionException;

/**
 * A Jedis connection that stays closed once closed (not API). A plain {@link Connection} opens a
 * new socket for any command sent after its close: a subscription ping from the ticker racing the
 * subscriber's close, or a SUBSCRIBE issued just after it, would then leave a connection to Redis
 * open that nobody owns. ipckit reconnects by making a new connection, never through an old one.
 *
 * <p>It also keeps its socket, so that {@link Publisher} can write encoded PUBLISH commands and
 * read their replies on it directly, between Jedis commands (whose buffers are empty then).
 */
public final class SingleUseConnection extends Connection {
  /** Remembers the socket it made (TLS included), as Connection does not show it. */
  private static final class SocketFactory extends DefaultJedisSocketFactory {
    private volatile Socket socket;

    SocketFactory(HostAndPort hostAndPort, JedisClientConfig config) {
      super(hostAndPort, config);
    }

    @Override
    public Socket createSocket() {
      Socket s = super.createSocket();
      socket = s;
      return s;
    }
  }

  // false while the super constructor connects and logs in; true for the rest of its life
  private final boolean connectedOnce;
  private final SocketFactory sockets;

  public SingleUseConnection(HostAndPort hostAndPort, JedisClientConfig config) {
    this(new SocketFactory(hostAndPort, config), config);
  }

  private SingleUseConnection(SocketFactory sockets, JedisClientConfig config) {
    super(sockets, config);
    this.sockets = sockets;
    this.connectedOnce = true;
  }

  /** The socket under this connection, logged in and on its database. */
  public Socket socket() {
    return sockets.socket;
  }

  @Override
  public void connect() {
    if (connectedOnce && !isConnected()) {
      throw new JedisConnectionException("the connection to Redis was closed (ipckit does not reopen a closed"
          + " connection; it makes a new one)");
    }
    super.connect();
  }
}
