package dev.ipckit.redis.internal;

import redis.clients.jedis.Connection;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.exceptions.JedisConnectionException;

/**
 * A Jedis connection that stays closed once closed (not API). A plain {@link Connection} opens a
 * new socket for any command sent after its close: a subscription ping from the ticker racing the
 * subscriber's close, or a SUBSCRIBE issued just after it, would then leave a connection to Redis
 * open that nobody owns. ipckit reconnects by making a new connection, never through an old one.
 */
public final class SingleUseConnection extends Connection {
  // false while the super constructor connects and logs in; true for the rest of its life
  private final boolean connectedOnce;

  public SingleUseConnection(HostAndPort hostAndPort, JedisClientConfig config) {
    super(hostAndPort, config);
    this.connectedOnce = true;
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
