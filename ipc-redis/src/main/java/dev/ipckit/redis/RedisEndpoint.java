package dev.ipckit.redis;

import dev.ipckit.ChannelOptions;
import dev.ipckit.ChannelUri;
import dev.ipckit.InvalidChannelUriException;
import dev.ipckit.redis.internal.SingleUseConnection;
import dev.ipckit.redis.internal.TrustedCertificates;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Set;
import javax.net.ssl.SSLParameters;
import redis.clients.jedis.Connection;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.RedisProtocol;

/**
 * Where a Redis server is and how to log in, from the address part of a channel URI:
 * {@code redis://[[user]:password@]host[:port][/database]} ({@code rediss://} for TLS, checked
 * against the JVM's trust store, or against the CA certificates in the PEM file {@code ?tlsCa=};
 * the server's certificate must name the host). The password never appears in {@link #toString()}, so error
 * messages can name the endpoint safely.
 */
public final class RedisEndpoint {
  /** Redis's own default port. */
  public static final int DEFAULT_PORT = 6379;

  /** The URI options read here, for every kind of Redis URI (docs/OPTIONS.md). */
  public static final Set<String> OPTIONS = Set.of("tlsCa");

  private final HostAndPort hostAndPort;
  private final JedisClientConfig config;
  private final String display;

  private RedisEndpoint(HostAndPort hostAndPort, JedisClientConfig config, String display) {
    this.hostAndPort = hostAndPort;
    this.config = config;
    this.display = display;
  }

  /** Reads host, port, user, password, database and TLS from {@code uri}. */
  public static RedisEndpoint from(ChannelUri uri) throws InvalidChannelUriException {
    ChannelOptions common = ChannelOptions.from(uri);
    URI base = uri.base();
    String host = base.getHost();
    if (host == null || host.isEmpty()) {
      throw new InvalidChannelUriException(redact(uri.toString()),
          "no host; expected " + uri.scheme() + "://host[:port][/database], e.g. redis://127.0.0.1:6379/0");
    }
    int port = base.getPort() < 0 ? DEFAULT_PORT : base.getPort();
    int database = 0;
    String path = base.getPath();
    if (path != null && !path.isEmpty() && !path.equals("/")) {
      try {
        database = Integer.parseInt(path.substring(1));
      } catch (NumberFormatException e) {
        database = -1;
      }
      if (database < 0) {
        throw new InvalidChannelUriException(redact(uri.toString()),
            "the path must be a database number, e.g. /0, not '" + path + "'");
      }
    }
    String user = null;
    String password = null;
    String userInfo = base.getRawUserInfo();
    if (userInfo != null && !userInfo.isEmpty()) {
      int colon = userInfo.indexOf(':');
      if (colon < 0) {
        password = decode(userInfo); // redis://secret@host, as redis-cli -u reads it
      } else {
        user = colon == 0 ? null : decode(userInfo.substring(0, colon));
        password = decode(userInfo.substring(colon + 1));
      }
    }
    boolean tls = uri.scheme().startsWith("rediss");
    String tlsCa = uri.string("tlsCa", null);
    if (tlsCa != null && !tls) {
      throw new InvalidChannelUriException(redact(uri.toString()), "tlsCa= is for rediss:// (TLS); this URI is "
          + uri.scheme() + "://");
    }
    int connectMillis = (int) Math.min(Integer.MAX_VALUE, common.connectTimeout().toMillis());
    DefaultJedisClientConfig.Builder b = DefaultJedisClientConfig.builder()
        .connectionTimeoutMillis(connectMillis)
        .socketTimeoutMillis(connectMillis)
        .database(database)
        .ssl(tls)
        .clientName("ipckit")
        // RESP2: with RESP3, Jedis 8 takes the PONG of a ping on a subscribed connection for an
        // unexpected message and drops the subscription (measured with 8.0.2 against Redis 7.0)
        .protocol(RedisProtocol.RESP2);
    if (tls) {
      // check that the certificate names the host, as HTTPS does (Jedis does not by default)
      SSLParameters params = new SSLParameters();
      params.setEndpointIdentificationAlgorithm("HTTPS");
      b.sslParameters(params);
      if (tlsCa != null) {
        b.sslSocketFactory(TrustedCertificates.socketFactory(Path.of(tlsCa), redact(uri.toString())));
      }
    }
    if (password != null) {
      b.password(password);
      if (user != null) {
        b.user(user);
      }
    }
    String display = uri.scheme() + "://" + (userInfo == null ? "" : (user == null ? "" : user) + ":***@")
        + host + ":" + port + "/" + database;
    return new RedisEndpoint(new HostAndPort(host, port), b.build(), display);
  }

  private static String decode(String s) {
    return URLDecoder.decode(s, StandardCharsets.UTF_8);
  }

  /** {@code text} with any password in its user info replaced by {@code ***}. */
  public static String redact(String text) {
    return text.replaceFirst("^([a-zA-Z][a-zA-Z0-9+.-]*://[^/@?#]*?):[^/@?#]*@", "$1:***@")
        .replaceFirst("^([a-zA-Z][a-zA-Z0-9+.-]*://)([^/:@?#]+)@", "$1***@");
  }

  public HostAndPort hostAndPort() {
    return hostAndPort;
  }

  public JedisClientConfig config() {
    return config;
  }

  /**
   * A new connection, logged in and on the right database; the caller closes it. Once closed it
   * stays closed: a command sent on it fails instead of opening a socket nobody would close.
   */
  public SingleUseConnection connect() {
    return new SingleUseConnection(hostAndPort, config);
  }

  /** The endpoint without its password, e.g. {@code redis://:***@127.0.0.1:6379/0}. */
  @Override
  public String toString() {
    return display;
  }
}
