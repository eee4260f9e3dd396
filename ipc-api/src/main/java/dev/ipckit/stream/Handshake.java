package dev.ipckit.stream;

import dev.ipckit.ChannelClosedException;
import dev.ipckit.IpcException;
import dev.ipckit.ProtocolException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The opening exchange of every ipckit byte stream. Both ends send a hello at once, then, when a
 * shared secret is configured, prove that they know it without revealing it:
 *
 * <pre>
 *  hello (28 bytes, both directions, sent immediately on connect)
 *  0       4       5       6               8                      12                     28
 *  +-------+-------+-------+---------------+----------------------+----------------------+
 *  | "IPCK"| ver=1 | flags | reserved = 0  | maxMessage (u32, BE) | nonce (16 random B)  |
 *  +-------+-------+-------+---------------+----------------------+----------------------+
 *  flags: bit 0 = this end requires a shared secret
         bit 1 = this end accepts HANDLES frames (open descriptors with a message)
 *
 *  proof (32 bytes, only with a secret): HMAC-SHA256(secret, label | server nonce | client nonce)
 *    client -> server, label "ipckit client"; the server checks it before answering, so a
 *    peer without the secret learns nothing but the server hello; then
 *    server -> client, label "ipckit server", so the client knows it reached the real server.
 * </pre>
 *
 * Each side then sends frames no larger than the other's {@code maxMessage}.
 */
public final class Handshake {
  public static final int HELLO_SIZE = 28;
  public static final int PROOF_SIZE = 32;
  public static final byte VERSION = 1;
  private static final int MAGIC = 0x4950434B; // "IPCK"
  private static final int FLAG_SECRET = 1;
  private static final int FLAG_HANDLES = 2;
  private static final SecureRandom RANDOM = new SecureRandom();

  /** What the handshake learned of the peer. */
  /**
   * @param peerAcceptsHandles the peer reads HANDLES frames (its transport passes descriptors)
   */
  public record Result(long peerMaxMessage, boolean peerAcceptsHandles) {}

  private Handshake() {}

  /** Encodes this end's hello. */
  public static ByteBuffer hello(long maxMessage, boolean secret, byte[] nonce) {
    return hello(maxMessage, secret, false, nonce);
  }

  /** Encodes this end's hello, saying whether it accepts handles. */
  public static ByteBuffer hello(long maxMessage, boolean secret, boolean acceptsHandles, byte[] nonce) {
    ByteBuffer b = ByteBuffer.allocate(HELLO_SIZE);
    int flags = (secret ? FLAG_SECRET : 0) | (acceptsHandles ? FLAG_HANDLES : 0);
    b.putInt(MAGIC).put(VERSION).put((byte) flags).putShort((short) 0)
        .putInt((int) Math.min(maxMessage, 0xFFFF_FFFFL)).put(nonce);
    return b.flip();
  }

  public static byte[] newNonce() {
    byte[] n = new byte[16];
    RANDOM.nextBytes(n);
    return n;
  }

  /**
   * Runs the handshake on {@code link} as client or server within {@code timeoutNanos}.
   *
   * @param secret the shared secret, or null for none
   */
  public static Result run(StreamLink link, String uri, boolean server, long maxMessage, byte[] secret,
      long timeoutNanos) throws IOException {
    return run(link, uri, server, maxMessage, secret, link.passesDescriptors(), timeoutNanos);
  }

  /**
   * The same, saying whether this end accepts handles (it does when {@code link} can receive
   * descriptors).
   */
  public static Result run(StreamLink link, String uri, boolean server, long maxMessage, byte[] secret,
      boolean acceptsHandles, long timeoutNanos) throws IOException {
    try {
      return exchange(link, uri, server, maxMessage, secret, acceptsHandles, timeoutNanos);
    } catch (IpcException e) {
      throw e;
    } catch (IOException e) {
      throw new ChannelClosedException("connection to " + uri + " lost during the handshake: " + e.getMessage(), e);
    }
  }

  private static Result exchange(StreamLink link, String uri, boolean server, long maxMessage, byte[] secret,
      boolean acceptsHandles, long timeoutNanos) throws IOException {
    long deadline = System.nanoTime() + timeoutNanos;
    byte[] ownNonce = newNonce();
    writeFully(link, hello(maxMessage, secret != null, acceptsHandles, ownNonce), deadline, uri);
    ByteBuffer peer = readFully(link, HELLO_SIZE, deadline, uri, "hello");
    int magic = peer.getInt();
    if (magic != MAGIC) {
      throw new ProtocolException("not an ipckit peer at " + uri + ": expected magic 'IPCK', got 0x"
          + Integer.toHexString(magic));
    }
    byte version = peer.get();
    if (version != VERSION) {
      throw new ProtocolException("peer at " + uri + " speaks protocol version " + version
          + ", this end speaks " + VERSION);
    }
    byte peerFlags = peer.get();
    boolean peerSecret = (peerFlags & FLAG_SECRET) != 0;
    boolean peerHandles = (peerFlags & FLAG_HANDLES) != 0;
    peer.getShort();
    long peerMax = Integer.toUnsignedLong(peer.getInt());
    byte[] peerNonce = new byte[16];
    peer.get(peerNonce);
    if (secret == null && peerSecret) {
      throw new IpcException("the " + (server ? "client" : "server") + " at " + uri
          + " requires a shared secret; set ?secret= on this end too");
    }
    if (secret != null) {
      byte[] serverNonce = server ? ownNonce : peerNonce;
      byte[] clientNonce = server ? peerNonce : ownNonce;
      byte[] clientProof = proof(secret, "ipckit client", serverNonce, clientNonce);
      byte[] serverProof = proof(secret, "ipckit server", serverNonce, clientNonce);
      if (server) {
        verify(readFully(link, PROOF_SIZE, deadline, uri, "secret proof"), clientProof, uri, "client");
        writeFully(link, ByteBuffer.wrap(serverProof), deadline, uri);
      } else {
        writeFully(link, ByteBuffer.wrap(clientProof), deadline, uri);
        verify(readFully(link, PROOF_SIZE, deadline, uri, "secret proof"), serverProof, uri, "server");
      }
    }
    return new Result(peerMax, peerHandles);
  }

  private static void verify(ByteBuffer got, byte[] expected, String uri, String who) throws ProtocolException {
    if (!MessageDigest.isEqual(got.array(), expected)) {
      throw new ProtocolException("the " + who + " at " + uri + " does not know the shared secret");
    }
  }

  static byte[] proof(byte[] secret, String label, byte[] serverNonce, byte[] clientNonce) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
      mac.update(label.getBytes(StandardCharsets.US_ASCII));
      mac.update(serverNonce);
      mac.update(clientNonce);
      return mac.doFinal();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
    }
  }

  private static void writeFully(StreamLink link, ByteBuffer b, long deadline, String uri) throws IOException {
    ByteBuffer[] bs = {b};
    while (b.hasRemaining()) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new IpcException("handshake with " + uri + " timed out while writing");
      }
      link.write(bs, left);
    }
  }

  private static ByteBuffer readFully(StreamLink link, int size, long deadline, String uri, String what)
      throws IOException {
    ByteBuffer b = ByteBuffer.allocate(size);
    while (b.hasRemaining()) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new IpcException("handshake with " + uri + " timed out waiting for the peer's " + what
            + " (" + b.position() + " of " + size + " bytes came)");
      }
      if (link.read(b, left) < 0) {
        if (b.position() == 0) {
          throw new ChannelClosedException("peer at " + uri + " closed the connection during the handshake");
        }
        throw new ProtocolException("peer at " + uri + " closed the connection after " + b.position()
            + " of the " + size + " bytes of its " + what);
      }
    }
    return b.flip();
  }
}
