package dev.ipckit.redis.session;

import dev.ipckit.ChannelOptions;
import dev.ipckit.ChannelUri;
import dev.ipckit.InvalidChannelUriException;
import dev.ipckit.IpcException;
import dev.ipckit.TransportUnavailableException;
import dev.ipckit.redis.RedisEndpoint;
import dev.ipckit.redis.internal.Errors;
import dev.ipckit.redis.internal.Subscriber;
import dev.ipckit.redis.session.SessionOptions.ExpiryEvents;
import dev.ipckit.redis.session.SessionScripts.Script;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisException;

/**
 * Sessions shared by every process that opens the same Redis: a worker creates one, any other
 * reads and changes it. Each session is a Redis hash; each attribute is a field of it, written on
 * its own ({@code HSET}, {@code HINCRBY}), so two workers changing different attributes never
 * overwrite each other. Every access extends the session's life to {@code ttl} from now (sliding
 * expiry), in the same atomic step as the access (a Lua script), and a write never brings an
 * expired session back.
 *
 * <pre>{@code
 * try (SessionStore sessions = SessionStore.open("redis://127.0.0.1:6379/0?ttl=30m")) {
 *   String id = sessions.create();                 // 128 random bits, URL-safe: a cookie value
 *   sessions.set(id, "user", "ada");
 *   long views = sessions.increment(id, "views", 1);
 *   Optional<Map<String, byte[]>> all = sessions.read(id);   // empty once expired
 * }
 * }</pre>
 *
 * The URI: {@code redis://[[user]:password@]host[:port][/database]} ({@code rediss://} for TLS)
 * with the options of {@link SessionOptions} and {@code connectTimeout}. Thread-safe; one store
 * per process is enough (it holds a connection pool). Ids are secrets: error messages show only
 * their first 6 characters.
 */
public final class SessionStore implements AutoCloseable {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final int ID_BYTES = 16;
  private static final int SWEEP_LIMIT = 1000;

  private final String uri;
  private final RedisEndpoint endpoint;
  private final SessionOptions options;
  private final RedisClient redis;
  private final byte[] ttlArg;
  private final byte[] indexKey;
  private final String eventsChannel;
  private final List<Listening> listeners = new ArrayList<>();
  private volatile boolean closed;

  private SessionStore(String uri, RedisEndpoint endpoint, SessionOptions options) {
    this.uri = uri;
    this.endpoint = endpoint;
    this.options = options;
    this.redis = RedisClient.builder().hostAndPort(endpoint.hostAndPort()).clientConfig(endpoint.config()).build();
    this.ttlArg = bytes(Long.toString(options.ttl().toMillis()));
    this.indexKey = bytes(options.prefix() + "expiries");
    this.eventsChannel = options.prefix() + "expired";
  }

  /**
   * Opens a store on the Redis {@code uri} names and checks that it answers.
   *
   * @throws InvalidChannelUriException the URI is not a redis:// or rediss:// address, or has an
   *     unknown or bad option
   * @throws TransportUnavailableException Redis does not answer or refuses to log in
   */
  public static SessionStore open(String uri) throws IpcException {
    ChannelUri u = ChannelUri.parse(uri);
    String where = RedisEndpoint.redact(uri);
    if (!u.scheme().equals("redis") && !u.scheme().equals("rediss")) {
      throw new InvalidChannelUriException(where, "a session store lives at redis:// or rediss://");
    }
    Set<String> known = new TreeSet<>(SessionOptions.NAMES);
    known.addAll(RedisEndpoint.OPTIONS);
    known.add("connectTimeout");
    for (String name : u.options().keySet()) {
      if (!known.contains(name)) {
        throw new InvalidChannelUriException(where, "unknown option '" + name + "'; a session store knows " + known);
      }
    }
    ChannelOptions.from(u); // validates connectTimeout
    SessionStore store = new SessionStore(where, RedisEndpoint.from(u), SessionOptions.from(u));
    try {
      store.redis.ping();
    } catch (RuntimeException e) {
      store.redis.close();
      throw store.failure("connect", e);
    }
    return store;
  }

  public SessionOptions options() {
    return options;
  }

  /** A new empty session with the store's TTL; returns its id (22 URL-safe Base64 characters, 128 random bits). */
  public String create() throws IpcException {
    boolean index = options.expiryEvents() == ExpiryEvents.INDEX;
    while (true) {
      byte[] raw = new byte[ID_BYTES];
      RANDOM.nextBytes(raw);
      String id = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
      Object created = run("create", SessionScripts.CREATE, List.of(key(id), indexKey),
          ttlArg, bytes(id), bytes(index ? "1" : "0"));
      if (index && ThreadLocalRandom.current().nextInt(16) == 0) {
        // keeps the index bounded when no listener sweeps it: 20 per 16 creations outpaces expiry
        sweep(20);
      }
      if (((Long) created) == 1L) {
        return id;
      }
      // an id already taken: 2^-128 odds, but never hand out someone else's session
    }
  }

  /** All attributes, and extends the TTL; empty if there is no such session. */
  public Optional<Map<String, byte[]>> read(String id) throws IpcException {
    Object r = run("read", SessionScripts.READ, List.of(key(id)), ttlArg);
    if (r == null) {
      return Optional.empty();
    }
    @SuppressWarnings("unchecked")
    List<byte[]> flat = (List<byte[]>) r;
    Map<String, byte[]> attributes = new LinkedHashMap<>();
    for (int i = 0; i + 1 < flat.size(); i += 2) {
      String name = new String(flat.get(i), StandardCharsets.UTF_8);
      if (!name.isEmpty()) { // "" holds the creation time
        attributes.put(name, flat.get(i + 1));
      }
    }
    return Optional.of(attributes);
  }

  /** Whether the session is alive, without extending its TTL. */
  public boolean exists(String id) throws IpcException {
    byte[] k = key(id);
    try {
      return redis.exists(k);
    } catch (RuntimeException e) {
      throw failure("check", e);
    }
  }

  /** One attribute, and extends the TTL; empty if the attribute is not set. */
  public Optional<byte[]> get(String id, String name) throws IpcException {
    Object r = run("get", SessionScripts.GET, List.of(key(id)), ttlArg, name(name));
    if (r == null) {
      throw new UnknownSessionException(id, uri);
    }
    List<?> l = (List<?>) r;
    return l.isEmpty() ? Optional.empty() : Optional.of((byte[]) l.get(0));
  }

  /** {@link #get} as UTF-8 text. */
  public Optional<String> getString(String id, String name) throws IpcException {
    return get(id, name).map(b -> new String(b, StandardCharsets.UTF_8));
  }

  /** Sets one attribute, leaving the others as they are, and extends the TTL. */
  public void set(String id, String name, byte[] value) throws IpcException {
    if (((Long) run("set", SessionScripts.SET, List.of(key(id)), ttlArg, name(name), value)) == 0L) {
      throw new UnknownSessionException(id, uri);
    }
  }

  /** {@link #set} with UTF-8 text. */
  public void set(String id, String name, String value) throws IpcException {
    set(id, name, bytes(value));
  }

  /**
   * Adds {@code delta} to an integer attribute atomically (a missing one counts as 0) and extends
   * the TTL; returns the new value.
   */
  public long increment(String id, String name, long delta) throws IpcException {
    Object r = run("increment", SessionScripts.INCREMENT, List.of(key(id)), ttlArg, name(name),
        bytes(Long.toString(delta)));
    if (r == null) {
      throw new UnknownSessionException(id, uri);
    }
    return (Long) r;
  }

  /** Removes one attribute and extends the TTL; false if it was not set. */
  public boolean remove(String id, String name) throws IpcException {
    long r = (Long) run("remove", SessionScripts.REMOVE, List.of(key(id)), ttlArg, name(name));
    if (r < 0) {
      throw new UnknownSessionException(id, uri);
    }
    return r == 1;
  }

  /** Ends a session now; false if there was none. Expiry listeners are not told (it did not expire). */
  public boolean invalidate(String id) throws IpcException {
    return ((Long) run("invalidate", SessionScripts.INVALIDATE, List.of(key(id), indexKey), bytes(id))) == 1L;
  }

  /**
   * Calls {@code listener} with the id of each session that expires, until the returned handle is
   * closed. How expiries are found depends on {@code expiryEvents} (docs/REDIS.md): {@code index}
   * works on any Redis and reports an expiry within {@code expiryPoll} after it; {@code notify}
   * uses keyspace notifications and fails here, naming the setting, if the server does not have
   * them on (or refuses {@code CONFIG GET}, as managed services do). Each expiry reaches every
   * listener subscribed at the time, at most once (it travels over Redis pub/sub).
   */
  public Listening onExpiry(ExpiryListener listener) throws IpcException {
    String channel;
    String prefix = options.prefix();
    if (options.expiryEvents() == ExpiryEvents.NOTIFY) {
      checkNotifications();
      channel = "__keyevent@" + endpoint.config().getDatabase() + "__:expired";
    } else {
      channel = eventsChannel;
    }
    Subscriber.Listener l = message -> {
      String text = new String(message, StandardCharsets.UTF_8);
      String id = options.expiryEvents() == ExpiryEvents.NOTIFY
          ? (text.startsWith(prefix) ? text.substring(prefix.length()) : null) : text;
      if (id != null && isId(id)) {
        listener.expired(id);
      }
    };
    Subscriber sub = new Subscriber(endpoint, uri, "ipckit-session-expiry", channel, false, l,
        Duration.ofMillis(100), Duration.ofSeconds(2), Duration.ZERO);
    sub.start(ChannelOptions.defaults().connectTimeout());
    ExpirySweeper sweeper = options.expiryEvents() == ExpiryEvents.INDEX
        ? new ExpirySweeper(() -> sweep(SWEEP_LIMIT), options.expiryPoll()) : null;
    Listening[] handle = new Listening[1];
    handle[0] = () -> {
      if (sweeper != null) {
        sweeper.close();
      }
      sub.close();
      synchronized (listeners) {
        listeners.remove(handle[0]);
      }
    };
    synchronized (listeners) {
      listeners.add(handle[0]);
    }
    return handle[0];
  }

  /** A running expiry listener; {@link #close()} stops it (idempotent). */
  public interface Listening extends AutoCloseable {
    @Override
    void close();
  }

  private void checkNotifications() throws IpcException {
    String value;
    try {
      Map<String, String> c = redis.configGet("notify-keyspace-events");
      value = c.getOrDefault("notify-keyspace-events", "");
    } catch (JedisConnectionException e) {
      throw failure("check notify-keyspace-events", e);
    } catch (JedisException e) {
      throw new IpcException("expiryEvents=notify needs keyspace notifications, but Redis at " + endpoint
          + " refuses CONFIG GET notify-keyspace-events (" + Errors.describe(e) + "), so ipckit cannot"
          + " tell whether they are on; use expiryEvents=index, which needs no server configuration");
    }
    boolean on = value.contains("E") && (value.contains("x") || value.contains("A"));
    if (!on) {
      throw new IpcException("expiryEvents=notify needs keyspace notifications, but Redis at " + endpoint
          + " has notify-keyspace-events='" + value + "'; have it include 'Ex' (CONFIG SET"
          + " notify-keyspace-events Ex) or use expiryEvents=index");
    }
  }

  /** Reports sessions found expired in the index; returns how many. */
  int sweep(int limit) throws IpcException {
    Object n = run("sweep expiries", SessionScripts.SWEEP, List.of(indexKey), bytes(options.prefix()),
        bytes(Integer.toString(limit)), bytes(eventsChannel));
    return ((Long) n).intValue();
  }

  private Object run(String what, Script script, List<byte[]> keys, byte[]... args) throws IpcException {
    if (closed) {
      throw new IpcException("session store " + uri + " is closed");
    }
    try {
      return script.run(redis, keys, List.of(args));
    } catch (RuntimeException e) {
      throw failure(what, e);
    }
  }

  private IpcException failure(String what, RuntimeException e) {
    if (e instanceof JedisConnectionException && tlsFailure(e)) {
      return new TransportUnavailableException("cannot " + what + " a session: the TLS handshake with Redis at "
          + endpoint + " failed (" + Errors.describe(e) + "); is the server's CA in the JVM's trust store, or"
          + " named by ?tlsCa=/path/ca.pem, and does its certificate name the host?", e);
    }
    if (e instanceof JedisConnectionException) {
      return new TransportUnavailableException("cannot " + what + " a session: Redis at " + endpoint
          + " is unreachable (" + Errors.describe(e) + "); is it running, and are host, port, password"
          + " and TLS in " + uri + " right?", e);
    }
    return new IpcException("cannot " + what + " a session at Redis " + endpoint + ": " + Errors.describe(e), e);
  }

  private static boolean tlsFailure(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof javax.net.ssl.SSLException) {
        return true;
      }
    }
    return false;
  }

  private byte[] key(String id) {
    if (!isId(id)) {
      throw new IllegalArgumentException("not a session id: '" + shortId(String.valueOf(id))
          + "' (expected 22 URL-safe Base64 characters)");
    }
    return bytes(options.prefix() + id);
  }

  private static byte[] name(String name) {
    if (name == null || name.isEmpty()) {
      throw new IllegalArgumentException("an attribute name must not be empty");
    }
    return bytes(name);
  }

  static boolean isId(String id) {
    return id != null && id.length() == 22 && id.chars().allMatch(c ->
        (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_');
  }

  /** The first characters of an id, enough to tell sessions apart in a log, too few to hijack one. */
  static String shortId(String id) {
    return id.length() <= 6 ? id : id.substring(0, 6) + "...";
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** Stops the expiry listeners and closes the connections; idempotent. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    List<Listening> running;
    synchronized (listeners) {
      running = new ArrayList<>(listeners);
    }
    running.forEach(Listening::close);
    redis.close();
  }
}
