package dev.ipckit.redis.session;

import java.nio.charset.StandardCharsets;
import java.util.List;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisNoScriptException;
import redis.clients.jedis.util.SafeEncoder;

/**
 * The Lua scripts that make each session operation one atomic step on the server: the check that
 * the session still exists, the change, and the TTL extension happen together, so a write never
 * resurrects an expired session as a key without a TTL.
 *
 * <p>Keys: {@code <prefix><id>} is a hash; its field {@code ""} holds the creation time (a hash
 * must have a field to exist) and every other field is an attribute. {@code <prefix>expiries} is
 * the sorted set of ids by expected expiry time (milliseconds, Redis clock) used in index mode.
 */
final class SessionScripts {
  /** KEYS: session, index. ARGV: ttl ms, id, "1" to add it to the index. Returns 1, or 0 if the id is taken. */
  static final Script CREATE = new Script("""
      if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
      local t = redis.call('TIME')
      local now = t[1] * 1000 + math.floor(t[2] / 1000)
      redis.call('HSET', KEYS[1], '', now)
      redis.call('PEXPIRE', KEYS[1], ARGV[1])
      if ARGV[3] == '1' then
        redis.call('ZADD', KEYS[2], now + tonumber(ARGV[1]), ARGV[2])
      end
      return 1
      """);

  /**
   * KEYS: index. ARGV: key prefix, limit, events channel. Due entries whose session is gone are
   * removed and published (the ZREM decides which sweeper reports it: each expiry is published
   * once); those still alive, because their TTL slid, are moved to their new expiry time.
   */
  static final Script SWEEP = new Script("""
      local t = redis.call('TIME')
      local now = t[1] * 1000 + math.floor(t[2] / 1000)
      local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[2]))
      local expired = 0
      for _, id in ipairs(due) do
        local left = redis.call('PTTL', ARGV[1] .. id)
        if left == -2 then
          if redis.call('ZREM', KEYS[1], id) == 1 then
            redis.call('PUBLISH', ARGV[3], id)
            expired = expired + 1
          end
        elseif left >= 0 then
          redis.call('ZADD', KEYS[1], 'XX', now + left, id)
        else
          redis.call('ZREM', KEYS[1], id)
        end
      end
      return expired
      """);

  /** KEYS: session. ARGV: ttl ms. Returns the fields (flat name, value list), or nil if no session. */
  static final Script READ = new Script("""
      if redis.call('PEXPIRE', KEYS[1], ARGV[1]) == 0 then return false end
      return redis.call('HGETALL', KEYS[1])
      """);

  /** KEYS: session. ARGV: ttl ms, name. Returns {} (no attribute), {value}, or nil (no session). */
  static final Script GET = new Script("""
      if redis.call('PEXPIRE', KEYS[1], ARGV[1]) == 0 then return false end
      local v = redis.call('HGET', KEYS[1], ARGV[2])
      if not v then return {} end
      return {v}
      """);

  /** KEYS: session. ARGV: ttl ms, name, value. Returns 1, or 0 if no session. */
  static final Script SET = new Script("""
      if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
      redis.call('HSET', KEYS[1], ARGV[2], ARGV[3])
      redis.call('PEXPIRE', KEYS[1], ARGV[1])
      return 1
      """);

  /** KEYS: session. ARGV: ttl ms, name, delta. Returns the new value, or nil if no session. */
  static final Script INCREMENT = new Script("""
      if redis.call('EXISTS', KEYS[1]) == 0 then return false end
      local n = redis.call('HINCRBY', KEYS[1], ARGV[2], ARGV[3])
      redis.call('PEXPIRE', KEYS[1], ARGV[1])
      return n
      """);

  /** KEYS: session. ARGV: ttl ms, name. Returns 1 (removed), 0 (no such attribute), -1 (no session). */
  static final Script REMOVE = new Script("""
      if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
      local n = redis.call('HDEL', KEYS[1], ARGV[2])
      redis.call('PEXPIRE', KEYS[1], ARGV[1])
      return n
      """);

  /** KEYS: session, index. ARGV: id. Returns 1 if the session existed. */
  static final Script INVALIDATE = new Script("""
      redis.call('ZREM', KEYS[2], ARGV[1])
      return redis.call('DEL', KEYS[1])
      """);

  private SessionScripts() {}

  /** A script run by its SHA1, loaded again when the server does not know it (a restart, SCRIPT FLUSH). */
  static final class Script {
    private final byte[] body;
    private final byte[] sha;

    Script(String body) {
      this.body = body.getBytes(StandardCharsets.UTF_8);
      this.sha = SafeEncoder.encode(sha1Hex(this.body));
    }

    Object run(UnifiedJedis redis, List<byte[]> keys, List<byte[]> args) {
      try {
        return redis.evalsha(sha, keys, args);
      } catch (JedisNoScriptException e) {
        return redis.eval(body, keys, args);
      }
    }

    private static String sha1Hex(byte[] b) {
      try {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-1").digest(b));
      } catch (java.security.NoSuchAlgorithmException e) {
        throw new IllegalStateException("the JDK always has SHA-1", e);
      }
    }
  }
}
