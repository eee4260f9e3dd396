package dev.ipckit.tests;

import static dev.ipckit.Capability.BYTE_STREAM;
import static dev.ipckit.Capability.CROSSES_PROCESSES;
import static dev.ipckit.Capability.DURABLE;
import static dev.ipckit.Capability.LOSSLESS;
import static dev.ipckit.Capability.ONE_TO_MANY;
import static dev.ipckit.Capability.ORDERED;
import static dev.ipckit.Capability.PASSES_HANDLES;
import static dev.ipckit.Capability.PEER_CREDENTIALS;
import static java.nio.charset.StandardCharsets.UTF_8;
import static dev.ipckit.tests.Checks.assertClosedException;
import static dev.ipckit.tests.Checks.assertElapsed;
import static dev.ipckit.tests.Checks.assertMentions;
import static dev.ipckit.tests.Checks.assertPrompt;
import static dev.ipckit.tests.Checks.assertSameBytes;
import static dev.ipckit.tests.Checks.bytesOf;
import static dev.ipckit.tests.Checks.randomBytes;
import static dev.ipckit.tests.Checks.stacksOf;
import static dev.ipckit.tests.Checks.uidAndGid;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ipckit.Capabilities;
import dev.ipckit.Channel;
import dev.ipckit.ChannelClosedException;
import dev.ipckit.ChannelServer;
import dev.ipckit.Channels;
import dev.ipckit.Handle;
import dev.ipckit.IpcException;
import dev.ipckit.MessageTooLargeException;
import dev.ipckit.PeerCredentials;
import dev.ipckit.ProtocolException;
import dev.ipckit.SendTimeoutException;
import dev.ipckit.tests.TransportFixture.ChildPeer;
import dev.ipckit.tests.TransportFixture.Pair;
import dev.ipckit.tests.TransportFixture.RawConnection;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The contract of {@link Channel} and {@link ChannelServer}, checked against one transport. Each
 * transport's tests add ONE subclass that says how to make its fixture:
 *
 * <pre>{@code
 * class UnixConformanceTest extends ChannelConformanceSuite {
 *   protected TransportFixture createFixture() { return new UnixFixture(); }
 * }
 * }</pre>
 *
 * <p>A case that needs a {@link dev.ipckit.Capability capability} the fixture does not declare is
 * skipped with the reason (a JUnit assumption), never passed. Every case has a time limit and
 * ends with a {@link LeakCheck}: no transport threads, child processes, scratch files or
 * socket/pipe descriptors left behind.
 *
 * <p>The cases follow DESIGN.md section 5: 1 message sizes and bytes, 2 order and no loss
 * (threads and processes), 3 concurrent senders, 4 oversize messages, 5 close, 6 a killed peer,
 * 7 garbage on byte streams, 8 a slow receiver, 9 timeouts, 10 per-capability features.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class ChannelConformanceSuite {
  /** How long a case waits for something that should take milliseconds. */
  protected static final Duration PATIENCE = Duration.ofSeconds(10);
  /** "Promptly" in the contract: the peer learns of a close within this. */
  protected static final Duration PROMPTLY = Duration.ofSeconds(1);
  /** How long a survivor may take to notice that its peer process was killed. */
  protected static final Duration KILL_DETECTION = Duration.ofSeconds(5);
  private static final int MiB = 1 << 20;
  private static final int KiB = 1 << 10;

  protected TransportFixture fixture;
  protected Capabilities caps;
  private LeakCheck leakCheck;
  private ExecutorService workers;

  /** The transport under test. Called once before each case; the suite closes it afterwards. */
  protected abstract TransportFixture createFixture() throws Exception;

  /**
   * Uses the transport once before the first case so that resources it creates once per JVM
   * (a shared selector, a loaded native library) are not counted as leaks of the first case.
   */
  @BeforeAll
  @Timeout(value = 60, threadMode = ThreadMode.SEPARATE_THREAD)
  void warmUp() throws Exception {
    try (TransportFixture f = createFixture()) {
      Pair p = f.connectedPair("");
      roundTrip(p.client(), p.server());
    }
  }

  @BeforeEach
  void setUp() throws Exception {
    leakCheck = LeakCheck.snapshot();
    AtomicInteger n = new AtomicInteger();
    workers = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "conformance-worker-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    fixture = createFixture();
    caps = fixture.capabilities();
  }

  @AfterEach
  @Timeout(value = 60, threadMode = ThreadMode.SEPARATE_THREAD)
  void closeAndCheckForLeaks() throws Exception {
    try {
      fixture.closeAll();
      workers.shutdownNow();
      if (!workers.awaitTermination(10, TimeUnit.SECONDS)) {
        fail("a task of the test is still running 10 s after every channel was closed: "
            + stacksOf("conformance-worker-"));
      }
      leakCheck.assertNoLeaks(fixture);
    } finally {
      fixture.close();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // 1. Both directions, identical bytes, every size up to the default limit

  @ParameterizedTest(name = "{0} bytes")
  @ValueSource(ints = {0, 1, 64 * KiB, MiB, 16 * MiB})
  @Timeout(value = 30, threadMode = ThreadMode.SEPARATE_THREAD)
  void messagesArriveIdenticalInBothDirections(int size) throws Exception {
    Pair p = fixture.connectedPair("");
    byte[] toServer = randomBytes(size, 1);
    byte[] toClient = randomBytes(size, 2);

    Future<?> sending = sendAsync(p.client(), toServer);
    assertSameBytes(toServer, receive(p.server()), "client to server, receive()");
    await(sending, PATIENCE);
    sending = sendAsync(p.server(), toClient);
    assertSameBytes(toClient, receive(p.client()), "server to client, receive()");
    await(sending, PATIENCE);

    sending = sendAsync(p.client(), toServer);
    assertSameBytes(toServer, pollOne(p.server()), "client to server, poll()");
    await(sending, PATIENCE);
    sending = sendAsync(p.server(), toClient);
    assertSameBytes(toClient, pollOne(p.client()), "server to client, poll()");
    await(sending, PATIENCE);
  }

  @Test
  @Timeout(value = 30, threadMode = ThreadMode.SEPARATE_THREAD)
  void sendCopiesTheMessageAndReceivedBuffersStayValid() throws Exception {
    Pair p = fixture.connectedPair("");
    byte[] buf = new byte[100];
    List<byte[]> sent = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      Arrays.fill(buf, (byte) i); // the caller reuses its buffer at once
      sent.add(buf.clone());
      p.client().send(buf);
    }
    List<ByteBuffer> received = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      received.add(receive(p.server()));
    }
    for (int i = 0; i < 20; i++) {
      assertSameBytes(sent.get(i), received.get(i).duplicate(),
          "message " + i + " after the sender reused its buffer and 19 more messages were received");
    }

    byte[] base = randomBytes(40, 3);
    ByteBuffer window = ByteBuffer.wrap(base, 5, 20); // position 5, limit 25
    p.client().send(window);
    assertSameBytes(Arrays.copyOfRange(base, 5, 25), receive(p.server()),
        "the remaining bytes of a buffer with position 5 and limit 25");
    ByteBuffer direct = ByteBuffer.allocateDirect(300).put(randomBytes(300, 4)).flip();
    p.client().send(direct.duplicate());
    assertSameBytes(randomBytes(300, 4), receive(p.server()), "a direct buffer");
    p.client().send(ByteBuffer.wrap(randomBytes(77, 5)).asReadOnlyBuffer());
    assertSameBytes(randomBytes(77, 5), receive(p.server()), "a read-only buffer");
  }

  @Test
  @Timeout(value = 30, threadMode = ThreadMode.SEPARATE_THREAD)
  void pollHandsReadOnlyViewsAndHonoursItsLimit() throws Exception {
    Pair p = fixture.connectedPair("");
    for (int i = 0; i < 10; i++) {
      p.client().send(new byte[] {(byte) i, (byte) (i * 3)});
    }
    p.client().flush();
    List<byte[]> got = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    while (got.size() < 10 && System.nanoTime() < deadline) {
      AtomicInteger calls = new AtomicInteger();
      int n = p.server().poll(m -> {
        calls.incrementAndGet();
        if (!m.isReadOnly()) {
          problems.add("poll handed a writable buffer; the contract says read-only view");
        }
        got.add(bytesOf(m));
      }, 3, PATIENCE);
      assertEquals(calls.get(), n, "poll's return value must equal the number of handler calls");
      assertTrue(n <= 3, "poll(limit 3) handled " + n + " messages");
    }
    assertEquals(List.of(), problems);
    assertEquals(10, got.size(), "messages handed to poll within " + PATIENCE);
    for (int i = 0; i < 10; i++) {
      assertSameBytes(new byte[] {(byte) i, (byte) (i * 3)}, ByteBuffer.wrap(got.get(i)), "message " + i);
    }
  }

  @Test
  @Timeout(value = 30, threadMode = ThreadMode.SEPARATE_THREAD)
  void channelsDeclareTheCapabilitiesOfTheirFixture() throws Exception {
    Pair p = fixture.connectedPair("");
    assertEquals(caps, p.client().capabilities(), "client channel " + p.client().uri());
    assertEquals(caps, p.server().capabilities(), "accepted channel " + p.server().uri());
    assertTrue(p.client().isOpen() && p.server().isOpen(), "a fresh pair is open");
    assertNotNull(p.client().uri());
    assertNotNull(p.server().uri());
  }

  // ---------------------------------------------------------------------------------------------
  // 2. Order and no loss over 100,000+ messages, between threads and between processes

  @Test
  @Timeout(value = 60, threadMode = ThreadMode.SEPARATE_THREAD)
  void orderAndNoLossOver100kMessagesBetweenThreads() throws Exception {
    assumeTrue(caps.has(ORDERED) && caps.has(LOSSLESS), "the transport is not declared ORDERED and LOSSLESS");
    Pair p = fixture.connectedPair("");
    long seed = ThreadLocalRandom.current().nextLong();
    int n = 100_000;
    Future<Long> sending = async(() -> {
      Traffic.Generator g = new Traffic.Generator(seed, 1024);
      for (int i = 0; i < n; i++) {
        p.client().send(g.next());
      }
      p.client().send(Traffic.endMarker(n));
      return g.bytes();
    });
    Traffic.Verifier v = verifyWithPoll(p.server(), "client to server (seed " + seed + ")");
    assertEquals(n, v.count());
    assertEquals(await(sending, PATIENCE), v.bytes());
  }

  @Test
  @Timeout(value = 90, threadMode = ThreadMode.SEPARATE_THREAD)
  void orderAndNoLossOver100kMessagesFromAChildProcess() throws Exception {
    assumeCrossProcess();
    assumeTrue(caps.has(ORDERED) && caps.has(LOSSLESS), "the transport is not declared ORDERED and LOSSLESS");
    long seed = ThreadLocalRandom.current().nextLong();
    int n = 100_000;
    ChildPeer peer = fixture.startPeer("", "generate", String.valueOf(n), String.valueOf(seed));
    Traffic.Verifier v;
    try {
      v = verifyWithPoll(peer.channel(), "child to parent (seed " + seed + ")");
    } catch (AssertionError | IOException e) {
      throw new AssertionError(e.getMessage() + "\nchild output:\n" + peer.output(), e);
    }
    assertEquals(n, v.count());
    peer.channel().close();
    assertEquals(PeerMain.OK, peer.waitFor(PATIENCE), "child exit code; its output:\n" + peer.output());
  }

  @Test
  @Timeout(value = 90, threadMode = ThreadMode.SEPARATE_THREAD)
  void orderAndNoLossOver100kMessagesToAChildProcess() throws Exception {
    assumeCrossProcess();
    assumeTrue(caps.has(ORDERED) && caps.has(LOSSLESS), "the transport is not declared ORDERED and LOSSLESS");
    long seed = ThreadLocalRandom.current().nextLong();
    int n = 100_000;
    ChildPeer peer = fixture.startPeer("", "verify");
    Channel ch = peer.channel();
    Traffic.Generator g = new Traffic.Generator(seed);
    for (int i = 0; i < n; i++) {
      ch.send(g.next());
    }
    ch.send(Traffic.endMarker(n));
    ByteBuffer summary = ch.receive(Duration.ofSeconds(30));
    assertNotNull(summary, "the child sent no summary within 30 s; its output:\n" + peer.output());
    assertEquals("ok " + n + " " + g.bytes(), UTF_8.decode(summary).toString(),
        "the child's verdict on " + n + " messages (seed " + seed + ")");
    ch.close();
    assertEquals(PeerMain.OK, peer.waitFor(PATIENCE), "child exit code; its output:\n" + peer.output());
  }

  // ---------------------------------------------------------------------------------------------
  // 3. Concurrent senders

  @Test
  @Timeout(value = 60, threadMode = ThreadMode.SEPARATE_THREAD)
  void concurrentSendersKeepMessagesWholeAndInOrderPerSender() throws Exception {
    assumeTrue(caps.has(ORDERED) && caps.has(LOSSLESS), "the transport is not declared ORDERED and LOSSLESS");
    Pair p = fixture.connectedPair("");
    int senders = 4;
    int perSender = 5_000;
    long seed = ThreadLocalRandom.current().nextLong();
    CountDownLatch start = new CountDownLatch(1);
    List<Future<Long>> sending = new ArrayList<>();
    for (int s = 0; s < senders; s++) {
      int id = s;
      sending.add(async(() -> {
        Traffic.Generator g = new Traffic.Generator(seed + id, 4096);
        ByteBuffer out = ByteBuffer.allocate(Traffic.MAX_SIZE + 4);
        start.await();
        for (int i = 0; i < perSender; i++) {
          out.clear();
          out.putInt(id).put(g.next()).flip();
          p.client().send(out);
        }
        out.clear();
        out.putInt(id).put(Traffic.endMarker(perSender)).flip();
        p.client().send(out);
        return g.bytes();
      }));
    }
    Traffic.Verifier[] verifiers = new Traffic.Verifier[senders];
    for (int s = 0; s < senders; s++) {
      verifiers[s] = new Traffic.Verifier("sender " + s + " (seed " + (seed + s) + ")");
    }
    List<String> errors = new ArrayList<>();
    int[] ended = new int[1];
    start.countDown();
    while (ended[0] < senders && errors.isEmpty()) {
      int n = p.server().poll(m -> {
        if (!errors.isEmpty()) {
          return; // the first error is the one that matters
        }
        try {
          int id = m.getInt(m.position());
          if (id < 0 || id >= senders) {
            throw new IllegalStateException("a message starts with sender id " + id
                + ": messages of concurrent senders were mixed");
          }
          ByteBuffer body = m.duplicate().position(m.position() + 4);
          if (Traffic.endCount(body) >= 0) {
            verifiers[id].checkEnd(body);
            ended[0]++;
          } else {
            verifiers[id].check(body);
          }
        } catch (RuntimeException e) {
          errors.add(e.getMessage());
        }
      }, 256, PATIENCE);
      assertTrue(n > 0, "nothing arrived for " + PATIENCE + "; per sender: " + counts(verifiers));
    }
    assertEquals(List.of(), errors);
    for (int s = 0; s < senders; s++) {
      assertEquals(await(sending.get(s), PATIENCE), verifiers[s].bytes(), "bytes from sender " + s);
    }
  }

  @Test
  @Timeout(value = 60, threadMode = ThreadMode.SEPARATE_THREAD)
  void bothSidesSendingAtOnceDoNotDeadlock() throws Exception {
    assumeTrue(caps.has(ORDERED) && caps.has(LOSSLESS), "the transport is not declared ORDERED and LOSSLESS");
    Pair p = fixture.connectedPair("");
    long seed = ThreadLocalRandom.current().nextLong();
    int n = 20_000;
    Future<Long> clientSends = async(() -> sendTraffic(p.client(), seed, n));
    Future<Long> serverSends = async(() -> sendTraffic(p.server(), seed + 1, n));
    Future<Traffic.Verifier> serverReceives = async(() -> verifyWithPoll(p.server(), "client to server"));
    Traffic.Verifier atClient = verifyWithPoll(p.client(), "server to client");
    Traffic.Verifier atServer = await(serverReceives, Duration.ofSeconds(40));
    assertEquals(n, atClient.count());
    assertEquals(n, atServer.count());
    assertEquals(await(clientSends, PATIENCE), atServer.bytes());
    assertEquals(await(serverSends, PATIENCE), atClient.bytes());
  }

  // ---------------------------------------------------------------------------------------------
  // 4. Oversize messages

  @Test
  @Timeout(value = 30, threadMode = ThreadMode.SEPARATE_THREAD)
  void oversizeMessageFailsBeforeAnythingIsSentAndTheChannelStaysUsable() throws Exception {
    int limit = 64 * KiB;
    Pair p = fixture.connectedPair("maxMessage=64KiB");
    for (Channel[] dir : new Channel[][] {{p.client(), p.server()}, {p.server(), p.client()}}) {
      Channel from = dir[0];
      Channel to = dir[1];
      MessageTooLargeException e = assertThrows(MessageTooLargeException.class,
          () -> from.send(new byte[limit + 1]), "send of limit + 1 bytes on " + from.uri());
      assertEquals(limit + 1, e.size());
      assertEquals(limit, e.limit());
      assertMentions(e, String.valueOf(limit + 1), String.valueOf(limit));
      assertTrue(from.isOpen(), "the channel must stay open after MessageTooLargeException");
      byte[] exact = randomBytes(limit, 6);
      Future<?> sending = sendAsync(from, exact);
      assertSameBytes(exact, receive(to), "a message of exactly maxMessage after a refused larger one "
          + "(nothing of the refused one may have been written)");
      await(sending, PATIENCE);
      assertNull(to.receive(Duration.ofMillis(100)), "nothing else may arrive");
    }
  }

  @Test
  @Timeout(value = 30, threadMode = ThreadMode.SEPARATE_THREAD)
  void defaultLimitIs16MiB() throws Exception {
    Pair p = fixture.connectedPair("");
    MessageTooLargeException e = assertThrows(MessageTooLargeException.class,
        () -> p.client().send(new byte[16 * MiB + 1]));
    assertEquals(16 * MiB, e.limit(), "default maxMessage");
    assertMentions(e, String.valueOf(16 * MiB + 1), String.valueOf(16 * MiB));
    roundTrip(p.client(), p.server());
  }

  // ---------------------------------------------------------------------------------------------
  // 5. Close on either side

  @Test
  @Timeout(value = 30, threadMode = ThreadMode.SEPARATE_THREAD)
  void clientCloseReachesTheServerAfterEveryEarlierMessage() throws Exception {
    orderlyClose(true);
  }

  @Test
  @Timeout(value = 30, threadMode = ThreadMode.SEPARATE_THREAD)
  void serverCloseReachesTheClientAfterEveryEarlierMessage() throws Exception {
    orderlyClose(false);
  }

  private void orderlyClose(boolean clientCloses) throws Exception {
    Pair p = fixture.connectedPair("");
    Channel closer = clientCloses ? p.client() : p.server();
    Channel survivor = clientCloses ? p.server() : p.client();
    long seed = ThreadLocalRandom.current().nextLong();
    int n = 3_000;
    AtomicLong sawCloseAt = new AtomicLong();
    Future<Traffic.Verifier> reading = async(() -> {
      Traffic.Verifier v = new Traffic.Verifier("before close (seed " + seed + ")");
      while (true) {
        ByteBuffer m;
        try {
          m = survivor.receive(PATIENCE);
        } catch (ChannelClosedException e) {
          sawCloseAt.set(System.nanoTime());
          return v;
        }
        if (m == null) {
          throw new AssertionError("after " + v.count() + " messages neither a message nor the close "
              + "arrived within " + PATIENCE);
        }
        v.check(m);
      }
    });
    Traffic.Generator g = new Traffic.Generator(seed);
    for (int i = 0; i < n; i++) {
      closer.send(g.next());
    }
    closer.close();
    long closedAt = System.nanoTime();
    Traffic.Verifier v = await(reading, PATIENCE);
    assertEquals(n, v.count(), "messages sent before close must all arrive before the close");
    assertPrompt(closedAt, sawCloseAt.get(), PROMPTLY, "the peer's receive throwing ChannelClosedException");

    assertFalse(survivor.isOpen(), "isOpen() after the peer closed");
    assertThrows(ChannelClosedException.class, () -> survivor.receive(Duration.ofMillis(100)),
        "receive again after the peer closed");
    assertThrows(ChannelClosedException.class, () -> survivor.send(new byte[10]),
        "send after the peer closed (and receive reported it)");
    assertThrows(ChannelClosedException.class, () -> closer.send(new byte[10]), "send after close");
    assertThrows(ChannelClosedException.class, () -> closer.receive(Duration.ofMillis(100)),
        "receive after close");
    closer.close();
    survivor.close();
    survivor.close();
  }

  @Test
  @Timeout(value = 30, threadMode = ThreadMode.SEPARATE_THREAD)
  void closeIsIdempotentAndEveryLaterUseFails() throws Exception {
    Pair p = fixture.connectedPair("");
    Channel c = p.client();
    List<Future<?>> closing = new ArrayList<>();
    CountDownLatch go = new CountDownLatch(1);
    for (int i = 0; i < 4; i++) {
      closing.add(async(() -> {
        go.await();
        c.close();
        return null;
      }));
    }
    go.countDown();
    for (Future<?> f : closing) {
      await(f, PATIENCE); // no close may throw, however many race
    }
    c.close();
    assertFalse(c.isOpen());
    ChannelClosedException e = assertThrows(ChannelClosedException.class, () -> c.send(new byte[1]));
    assertNotNull(e.getMessage());
    assertThrows(ChannelClosedException.class, () -> c.send(ByteBuffer.allocate(0)));
    assertThrows(ChannelClosedException.class, () -> c.receive(Duration.ofMillis(100)));
    assertThrows(ChannelClosedException.class, () -> c.poll(m -> { }, 10, Duration.ofMillis(100)));
    assertThrows(ChannelClosedException.class, () -> p.server().receive(PATIENCE));
  }

  @Test
  @Timeout(value = 30, threadMode = ThreadMode.SEPARATE_THREAD)
  void closeWakesUpAReceiveBlockedInAnotherThread() throws Exception {
    Pair p = fixture.connectedPair("");
    AtomicLong wokeAt = new AtomicLong();
    CountDownLatch receiving = new CountDownLatch(1);
    Future<ByteBuffer> blocked = async(() -> {
      receiving.countDown();
      try {
        return p.client().receive(Duration.ofSeconds(20));
      } finally {
        wokeAt.set(System.nanoTime());
      }
    });
    receiving.await();
    Thread.sleep(200);
    p.client().close();
    long closedAt = System.nanoTime();
    ExecutionException e = assertThrows(ExecutionException.class, () -> blocked.get(PATIENCE.toSeconds(), TimeUnit.SECONDS),
        "a receive blocked in another thread must end when the channel is closed");
    assertClosedException(e.getCause());
    assertPrompt(closedAt, wokeAt.get(), PROMPTLY, "the blocked receive ending");
  }

  @Test
  @Timeout(value = 60, threadMode = ThreadMode.SEPARATE_THREAD)
  void aChildThatClosesIsSeenPromptlyAndExitsNormally() throws Exception {
    assumeCrossProcess();
    ChildPeer peer = fixture.startPeer("", "close");
    long t0 = System.nanoTime();
    assertThrows(ChannelClosedException.class, () -> peer.channel().receive(KILL_DETECTION),
        "the child closed its channel at once: receive must throw ChannelClosedException; child output:\n"
            + peer.output());
    assertPrompt(t0, System.nanoTime(), KILL_DETECTION, "seeing the child's close");
    assertFalse(peer.channel().isOpen());
    assertThrows(ChannelClosedException.class, () -> peer.channel().send(new byte[10]));
    assertEquals(PeerMain.OK, peer.waitFor(PATIENCE), "child exit code; its output:\n" + peer.output());
  }

  @Test
  @Timeout(value = 60, threadMode = ThreadMode.SEPARATE_THREAD)
  void aChildLearnsOfTheParentsCloseAndExitsNormally() throws Exception {
    assumeCrossProcess();
    ChildPeer peer = fixture.startPeer("", "echo");
    Channel ch = peer.channel();
    long seed = ThreadLocalRandom.current().nextLong();
    int n = 1_000;
    Future<Traffic.Verifier> echoes = async(() -> {
      Traffic.Verifier v = new Traffic.Verifier("echoes (seed " + seed + ")");
      while (v.count() < n) {
        ByteBuffer m = ch.receive(PATIENCE);
        if (m == null) {
          throw new AssertionError("no echo within " + PATIENCE + " after " + v.count());
        }
        v.check(m);
      }
      return v;
    });
    sendTraffic(ch, seed, n, false);
    assertEquals(n, await(echoes, Duration.ofSeconds(20)).count());
    ch.close();
    assertEquals(PeerMain.OK, peer.waitFor(Duration.ofSeconds(5)),
        "the echoing child must see the parent's close and exit 0; its output:\n" + peer.output());
  }

  // ---------------------------------------------------------------------------------------------
  // 6. The peer process is killed (SIGKILL)

  @Test
  @Timeout(value = 60, threadMode = ThreadMode.SEPARATE_THREAD)
  void aKilledPeerEndsAPendingReceiveAndLaterSendsFail() throws Exception {
    assumeCrossProcess();
    ChildPeer peer = fixture.startPeer("", "hold");
    Channel ch = peer.channel();
    AtomicLong endedAt = new AtomicLong();
    CountDownLatch receiving = new CountDownLatch(1);
    Future<ByteBuffer> pending = async(() -> {
      receiving.countDown();
      try {
        return ch.receive(Duration.ofSeconds(30));
      } finally {
        endedAt.set(System.nanoTime());
      }
    });
    receiving.await();
    Thread.sleep(200);
    peer.kill();
    long killedAt = System.nanoTime();
    ExecutionException e = assertThrows(ExecutionException.class,
        () -> pending.get(KILL_DETECTION.toMillis() + 1000, TimeUnit.MILLISECONDS),
        "a receive pending when the peer was killed must end with ChannelClosedException");
    assertClosedException(e.getCause());
    assertPrompt(killedAt, endedAt.get(), KILL_DETECTION, "noticing the killed peer");
    IOException sendFailure = sendUntilFailure(ch, KILL_DETECTION);
    assertClosedException(sendFailure,
        "send to a killed peer must fail with ChannelClosedException");
    assertFalse(ch.isOpen());
  }

  @Test
  @Timeout(value = 60, threadMode = ThreadMode.SEPARATE_THREAD)
  void aKilledPeerUnblocksASendWaitingForBufferSpace() throws Exception {
    assumeCrossProcess();
    ChildPeer peer = fixture.startPeer("sendBuffer=64KiB&sendTimeout=30s", "hold");
    Channel ch = peer.channel();
    AtomicLong sent = new AtomicLong();
    AtomicLong endedAt = new AtomicLong();
    Future<Void> sending = async(() -> {
      byte[] m = new byte[64 * KiB];
      try {
        while (true) {
          ch.send(m);
          sent.incrementAndGet();
        }
      } finally {
        endedAt.set(System.nanoTime());
      }
    });
    awaitStall(sent, sending, "the child reads nothing, so send must block once the buffers are full");
    peer.kill();
    long killedAt = System.nanoTime();
    ExecutionException e = assertThrows(ExecutionException.class,
        () -> sending.get(KILL_DETECTION.toMillis() + 1000, TimeUnit.MILLISECONDS),
        "a send blocked on a full buffer must end when the peer is killed, not wait out sendTimeout=30s");
    assertClosedException(e.getCause());
    assertPrompt(killedAt, endedAt.get(), KILL_DETECTION, "the blocked send failing");
    assertThrows(ChannelClosedException.class, () -> ch.receive(KILL_DETECTION));
  }

  // ---------------------------------------------------------------------------------------------
  // 7. Byte streams: garbage, impossible lengths, truncated frames, silent and aborted clients

  @Test
  @Timeout(value = 30, threadMode = ThreadMode.SEPARATE_THREAD)
  void aRawClientSpeakingTheWireFormatIsUnderstood() throws Exception {
    assumeByteStream();
    RawConnection rc = fixture.rawConnection("");
    RawPeer raw = rawPeer(rc);
    raw.write(RawPeer.hello(16 * MiB));
    Channel s = rc.channel(PATIENCE.plusSeconds(5));
    assertNotNull(s, "a raw client that sent a valid hello was not accepted");
    assertEquals(16 * MiB, RawPeer.parseHello(raw.read(RawPeer.HELLO_SIZE, PATIENCE)),
        "the maxMessage in the server's hello");
    raw.write(RawPeer.frame("ping".getBytes(UTF_8)), RawPeer.frame(new byte[0]));
    assertSameBytes("ping".getBytes(UTF_8), receive(s), "a raw frame");
    assertSameBytes(new byte[0], receive(s), "an empty raw frame");
    s.send("pong".getBytes(UTF_8));
    assertEquals(4, ByteBuffer.wrap(raw.read(4, PATIENCE)).getInt(), "frame length sent by the server");
    assertEquals("pong", new String(raw.read(4, PATIENCE), UTF_8));
    raw.write(RawPeer.length(RawPeer.GOODBYE));
    assertThrows(ChannelClosedException.class, () -> s.receive(PATIENCE), "receive after GOODBYE");
    assertFalse(s.isOpen(), "isOpen() after the peer's GOODBYE");
    s.close();
    assertTrue(raw.awaitDropped(PATIENCE), "closing the server's channel left the connection open");
    int rest = raw.unread();
    if (rest > 0) {
      assertEquals(4, rest, "after its channel closed the server may send a GOODBYE, nothing else");
      assertEquals(RawPeer.GOODBYE, ByteBuffer.wrap(raw.read(4, PATIENCE)).getInt());
    }
  }

  @Test
  @Timeout(value = 30, threadMode = ThreadMode.SEPARATE_THREAD)
  void garbageInsteadOfAHelloIsDroppedAndTheServerKeepsServing() throws Exception {
    assumeByteStream();
    RawConnection rc = fixture.rawConnection("");
    RawPeer raw = rawPeer(rc);
    byte[] garbage = randomBytes(64, 7);
    garbage[0] = 'X';
    raw.write(garbage);
    ChannelServer server = rc.server();
    if (server != null) {
      assertNull(rc.channel(Duration.ofSeconds(2)), "accept returned a channel for a client that sent garbage");
    } else {
      // without a server the end that opens the channel is the one to hear why
      ProtocolException e = assertThrows(ProtocolException.class, () -> rc.channel(PATIENCE),
          "opening a channel whose peer sent garbage instead of a hello");
      assertMentions(e, "IPCK");
    }
    assertTrue(raw.awaitDropped(Duration.ofSeconds(5)),
        "the server kept a connection open that sent garbage instead of a hello");
    assertTrue(raw.unread() <= RawPeer.HELLO_SIZE,
        "the server sent " + raw.unread() + " bytes to a client that never completed the handshake");
    if (server != null) {
      Pair good = connect(server);
      roundTrip(good.client(), good.server());
    }
  }

  @Test
  @Timeout(value = 30, threadMode = ThreadMode.SEPARATE_THREAD)
  void anImpossibleFrameLengthIsAProtocolErrorWithoutAllocating() throws Exception {
    assumeByteStream();
    Handshaken raw = rawHandshake("", 16 * MiB);
    RawPeer peer = raw.raw();
    peer.write(RawPeer.frame("hi".getBytes(UTF_8)), RawPeer.length(Integer.MAX_VALUE), new byte[1024]);
    assertSameBytes("hi".getBytes(UTF_8), receive(raw.server()), "the frame before the bad one");
    ProtocolException e = assertThrows(ProtocolException.class, () -> raw.server().receive(PATIENCE),
        "a frame of 2147483647 bytes when the limit is 16 MiB");
    assertMentions(e, String.valueOf(Integer.MAX_VALUE), String.valueOf(16 * MiB));
    assertFalse(raw.server().isOpen(), "the channel is closed after a ProtocolException");
    assertTrue(peer.awaitDropped(Duration.ofSeconds(5)), "the server kept the connection after a protocol error");
  }

  @ParameterizedTest(name = "length {0}")
  @ValueSource(ints = {Integer.MAX_VALUE, 64 * KiB + 1, -2, Integer.MIN_VALUE})
  @Timeout(value = 30, threadMode = ThreadMode.SEPARATE_THREAD)
  void aFrameLengthOutOfRangeIsAProtocolError(int length) throws Exception {
    assumeByteStream();
    Handshaken raw = rawHandshake("maxMessage=64KiB", 64 * KiB);
    raw.raw().write(RawPeer.length(length), new byte[100]);
    ProtocolException e = assertThrows(ProtocolException.class, () -> raw.server().receive(PATIENCE),
        "a frame length of " + length + " with maxMessage=64KiB");
    if (length > 0) {
      assertMentions(e, String.valueOf(length), String.valueOf(64 * KiB));
    }
    assertFalse(raw.server().isOpen(), "the channel is closed after a ProtocolException");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"100-byte frame cut after 10 bytes", "length prefix cut after 2 bytes"})
  @Timeout(value = 30, threadMode = ThreadMode.SEPARATE_THREAD)
  void aTruncatedFrameIsAProtocolError(String how) throws Exception {
    assumeByteStream();
    Handshaken raw = rawHandshake("", 16 * MiB);
    RawPeer peer = raw.raw();
    if (how.startsWith("100")) {
      peer.write(RawPeer.length(100), new byte[10]);
    } else {
      peer.write(new byte[] {0, 0});
    }
    peer.close();
    assertThrows(ProtocolException.class, () -> raw.server().receive(PATIENCE),
        "the raw client closed in the middle of a frame (" + how + ")");
    assertFalse(raw.server().isOpen());
  }

  /** The server's handshake timeout is its {@code handshakeTimeout} option (docs/OPTIONS.md). */
  @Test
  @Timeout(value = 30, threadMode = ThreadMode.SEPARATE_THREAD)
  void aSilentHalfHelloDoesNotBlockOtherClientsAndIsDroppedAfterTheHandshakeTimeout() throws Exception {
    assumeByteStream();
    Duration handshakeTimeout = Duration.ofSeconds(2);
    RawConnection rc = fixture.rawConnection("handshakeTimeout=2s");
    RawPeer silent = rawPeer(rc);
    silent.write(Arrays.copyOf(RawPeer.hello(16 * MiB), 14));
    long t0 = System.nanoTime();
    ChannelServer server = rc.server();
    Pair good = null;
    if (server == null) {
      // no other clients to serve: the end opening the channel gives up after the timeout, saying why
      IpcException e = assertThrows(IpcException.class, () -> rc.channel(handshakeTimeout.plusSeconds(5)),
          "opening a channel whose peer sent half a hello and fell silent");
      assertMentions(e, "timed out", "hello");
      assertElapsed(t0, handshakeTimeout.toMillis() - 100, handshakeTimeout.toMillis() + 5_000,
          "giving up on a half hello with handshakeTimeout=2s");
    } else {
      good = connect(server);
      roundTrip(good.client(), good.server());
      assertPrompt(t0, System.nanoTime(), Duration.ofMillis(1500),
          "serving a good client while a half-hello waits for its handshake timeout of " + handshakeTimeout);
      assertNull(server.accept(Duration.ofMillis(200)), "accept returned a channel for a half hello");
    }
    assertTrue(silent.awaitDropped(handshakeTimeout.plusSeconds(5)),
        "a peer that sent half a hello was still connected " + handshakeTimeout.plusSeconds(5).toSeconds()
            + " s later (handshakeTimeout=2s)");
    if (good != null) {
      roundTrip(good.client(), good.server());
    }
  }

  @Test
  @Timeout(value = 60, threadMode = ThreadMode.SEPARATE_THREAD)
  void aThousandAbortedConnectionsNeitherDisturbAGoodClientNorLeak() throws Exception {
    assumeByteStream();
    Pair good = fixture.connectedPair("handshakeTimeout=2s");
    ChannelServer server = good.listener();
    assumeTrue(server != null, "the transport has no server: each channel is one pair its parent made, so "
        + "there are no connections to abort (garbage and half hellos on a pair are the cases above)");
    AtomicBoolean stop = new AtomicBoolean();
    // the echo outlives the pinger: stopped together, the last ping could go unanswered
    AtomicBoolean stopEcho = new AtomicBoolean();
    Future<Void> echo = async(() -> {
      while (!stopEcho.get()) {
        ByteBuffer m = good.server().receive(Duration.ofMillis(200));
        if (m != null) {
          good.server().send(m);
        }
      }
      return null;
    });
    AtomicInteger pings = new AtomicInteger();
    Future<Integer> pinger = async(() -> {
      int rounds = 0;
      while (!stop.get()) {
        byte[] ping = ByteBuffer.allocate(8).putInt(rounds).putInt(~rounds).array();
        good.client().send(ping);
        assertSameBytes(ping, receive(good.client()), "echo " + rounds + " during the connection storm");
        rounds++;
        pings.set(rounds);
      }
      return rounds;
    });
    AtomicInteger unexpected = new AtomicInteger();
    Future<Void> acceptor = async(() -> {
      while (!stop.get()) {
        Channel c = server.accept(Duration.ofMillis(100));
        if (c != null) {
          unexpected.incrementAndGet();
          c.close();
        }
      }
      return null;
    });
    // the baseline is taken once both ends of the good pair have waited for a message: a link
    // opens its selector on its first wait, which is not a leak
    long warm = System.nanoTime() + PATIENCE.toNanos();
    while (pings.get() < 20 && System.nanoTime() - warm < 0 && !pinger.isDone()) {
      Thread.sleep(10);
    }
    int fdsBefore = LeakCheck.fdCount();
    byte[] hello = RawPeer.hello(16 * MiB);
    SplittableRandom random = new SplittableRandom(8);
    for (int i = 0; i < 1_000; i++) {
      try (ByteChannel c = fixture.rawConnect(server)) {
        RawPeer raw = new RawPeer(c);
        switch (i % 4) {
          case 0 -> { } // connect and leave
          case 1 -> raw.write(Arrays.copyOf(hello, 1 + random.nextInt(RawPeer.HELLO_SIZE - 1)));
          case 2 -> {
            byte[] junk = randomBytes(1 + random.nextInt(64), i);
            junk[0] = 'X';
            raw.write(junk);
          }
          default -> raw.write(Arrays.copyOf(hello, 4));
        }
      }
    }
    Thread.sleep(200);
    stop.set(true);
    int rounds = await(pinger, PATIENCE);
    stopEcho.set(true);
    await(echo, PATIENCE);
    await(acceptor, PATIENCE);
    assertTrue(rounds > 0, "the good client completed no round trip during the storm");
    assertEquals(0, unexpected.get(), "channels accepted for clients that never completed a hello");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    int fdsAfter = LeakCheck.fdCount();
    while (fdsAfter > fdsBefore && System.nanoTime() < deadline) {
      Thread.sleep(100);
      fdsAfter = LeakCheck.fdCount();
    }
    assertTrue(fdsAfter <= fdsBefore, "socket/pipe descriptors: " + fdsBefore + " before 1,000 aborted "
        + "connections, still " + fdsAfter + " 10 s after: " + LeakCheck.fdKinds());
    roundTrip(good.client(), good.server());
  }

  // ---------------------------------------------------------------------------------------------
  // 8. A slow receiver

  @Test
  @Timeout(value = 60, threadMode = ThreadMode.SEPARATE_THREAD)
  void aSlowReceiverBoundsTheSenderAndLosesNothing() throws Exception {
    Pair p = fixture.connectedPair("sendBuffer=64KiB&sendTimeout=300ms");
    long seed = ThreadLocalRandom.current().nextLong();
    Traffic.Generator g = new Traffic.Generator(seed, 4096);
    long bound = 64L * MiB; // sendBuffer plus whatever the kernel buffers: far below this
    long accepted = 0;
    long acceptedBytes = 0;
    SendTimeoutException timeout = null;
    long failedAfterNanos = 0;
    while (acceptedBytes < bound) {
      ByteBuffer m = g.next();
      int size = m.remaining();
      long t0 = System.nanoTime();
      try {
        p.client().send(m);
      } catch (SendTimeoutException e) {
        timeout = e;
        failedAfterNanos = System.nanoTime() - t0;
        break;
      }
      accepted++;
      acceptedBytes += size;
    }
    assertNotNull(timeout, "send accepted " + acceptedBytes + " bytes for a peer that reads nothing "
        + "(sendBuffer=64KiB): unsent data must be bounded");
    assertTrue(failedAfterNanos >= TimeUnit.MILLISECONDS.toNanos(250),
        "send must wait about sendTimeout=300ms before SendTimeoutException, waited "
            + failedAfterNanos / 1_000_000 + " ms");
    assertTrue(failedAfterNanos <= TimeUnit.SECONDS.toNanos(3),
        "send waited " + failedAfterNanos / 1_000_000 + " ms with sendTimeout=300ms");
    assertTrue(p.client().isOpen(), "a send timeout does not close the channel");
    if (caps.has(LOSSLESS) && caps.has(ORDERED)) {
      Traffic.Verifier v = new Traffic.Verifier("accepted before the send timeout (seed " + seed + ")");
      for (long i = 0; i < accepted; i++) {
        ByteBuffer m = p.server().receive(PATIENCE);
        if (m == null) {
          fail("message " + i + " of the " + accepted + " that send accepted before the SendTimeoutException "
              + "did not arrive within " + PATIENCE + " once the receiver read: stranded in the sender's buffer?");
        }
        v.check(m);
      }
      assertEquals(acceptedBytes, v.bytes());
      assertNull(p.server().receive(Duration.ofMillis(300)),
          "a message whose send failed with SendTimeoutException arrived anyway (or part of it)");
      p.client().send(Traffic.endMarker(accepted));
      v.checkEnd(receive(p.server()));
    }
  }

  // ---------------------------------------------------------------------------------------------
  // 9. Timeouts

  @Test
  @Timeout(value = 30, threadMode = ThreadMode.SEPARATE_THREAD)
  void receiveReturnsNullAfterItsTimeout() throws Exception {
    Pair p = fixture.connectedPair("");
    for (Channel c : List.of(p.client(), p.server())) {
      long t0 = System.nanoTime();
      assertNull(c.receive(Duration.ofMillis(200)), "receive on an idle channel");
      assertElapsed(t0, 180, 2000, "receive(200 ms) on " + c.uri());
      assertTrue(c.isOpen(), "a receive timeout does not close the channel");
    }
    roundTrip(p.client(), p.server());
  }

  @Test
  @Timeout(value = 30, threadMode = ThreadMode.SEPARATE_THREAD)
  void pollReturnsZeroAfterItsTimeout() throws Exception {
    Pair p = fixture.connectedPair("");
    AtomicInteger calls = new AtomicInteger();
    long t0 = System.nanoTime();
    assertEquals(0, p.server().poll(m -> calls.incrementAndGet(), 10, Duration.ofMillis(200)));
    assertElapsed(t0, 180, 2000, "poll(200 ms)");
    assertEquals(0, calls.get());
  }

  @Test
  @Timeout(value = 30, threadMode = ThreadMode.SEPARATE_THREAD)
  void theReceiveTimeoutOptionAppliesToReceive() throws Exception {
    Pair p = fixture.connectedPair("receiveTimeout=300ms");
    for (Channel c : List.of(p.client(), p.server())) {
      long t0 = System.nanoTime();
      assertNull(c.receive(), "receive() with receiveTimeout=300ms on an idle channel");
      assertElapsed(t0, 270, 2300, "receive() with receiveTimeout=300ms on " + c.uri());
    }
    p.client().send(new byte[] {42});
    assertSameBytes(new byte[] {42}, p.server().receive(), "receive() with a message waiting");
  }

  // ---------------------------------------------------------------------------------------------
  // 10. Per capability

  @Test
  @Timeout(value = 30, threadMode = ThreadMode.SEPARATE_THREAD)
  void broadcastReachesEveryConnectedClient() throws Exception {
    assumeTrue(caps.has(ONE_TO_MANY), "the transport is not declared ONE_TO_MANY");
    ChannelServer server = fixture.listen("");
    List<Channel> clients = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      clients.add(connect(server).client());
    }
    awaitChannelCount(server, 3);
    byte[] hello = "to everyone".getBytes(UTF_8);
    assertEquals(3, server.broadcast(ByteBuffer.wrap(hello)), "clients the broadcast reached");
    for (Channel c : clients) {
      assertSameBytes(hello, receive(c), "broadcast at " + c.uri());
    }
    clients.get(0).close();
    awaitChannelCount(server, 2);
    byte[] again = "to who is left".getBytes(UTF_8);
    assertEquals(2, server.broadcast(ByteBuffer.wrap(again)), "clients reached after one closed");
    for (Channel c : clients.subList(1, 3)) {
      assertSameBytes(again, receive(c), "second broadcast at " + c.uri());
      assertNull(c.receive(Duration.ofMillis(50)), "one broadcast is one message");
    }
  }

  @Test
  @Timeout(value = 30, threadMode = ThreadMode.SEPARATE_THREAD)
  void peerCredentialsNameThisProcessOnBothEnds() throws Exception {
    assumeTrue(caps.has(PEER_CREDENTIALS), "the transport is not declared PEER_CREDENTIALS");
    long[] ids = uidAndGid();
    Pair p = fixture.connectedPair("");
    for (Channel c : List.of(p.client(), p.server())) {
      PeerCredentials pc = c.peerCredentials().orElseThrow(
          () -> new AssertionError("peerCredentials() is empty on " + c.uri()));
      assertEquals(ProcessHandle.current().pid(), pc.pid(), "peer pid on " + c.uri());
      assertEquals(ids[0], pc.uid(), "peer uid on " + c.uri());
      assertEquals(ids[1], pc.gid(), "peer gid on " + c.uri());
    }
  }

  @Test
  @Timeout(value = 60, threadMode = ThreadMode.SEPARATE_THREAD)
  void peerCredentialsOfAChildNameItsPidAndItSeesOurs() throws Exception {
    assumeTrue(caps.has(PEER_CREDENTIALS), "the transport is not declared PEER_CREDENTIALS");
    assumeCrossProcess();
    long[] ids = uidAndGid();
    ChildPeer peer = fixture.startPeer("", "credentials");
    PeerCredentials pc = peer.channel().peerCredentials().orElseThrow(
        () -> new AssertionError("peerCredentials() is empty on " + peer.channel().uri()));
    assertEquals(peer.process().pid(), pc.pid(), "the child's pid as the parent's channel reports it");
    assertEquals(ids[0], pc.uid());
    assertEquals(ids[1], pc.gid());
    ByteBuffer reply = peer.channel().receive(PATIENCE);
    assertNotNull(reply, "the child did not report; its output:\n" + peer.output());
    assertEquals(ProcessHandle.current().pid() + " " + ids[0] + " " + ids[1], UTF_8.decode(reply).toString(),
        "pid uid gid of the parent as the child's channel reports them");
    peer.channel().close();
    assertEquals(PeerMain.OK, peer.waitFor(PATIENCE), "child exit code; its output:\n" + peer.output());
  }

  /**
   * Listening and accepted TCP sockets travel both ways between this process and a child, and
   * each is used where it arrived (the steps are drawn in {@link HandleExchange}).
   */
  @Test
  @Timeout(value = 90, threadMode = ThreadMode.SEPARATE_THREAD)
  void passesOpenSocketsBothWaysBetweenProcesses() throws Exception {
    assumeTrue(caps.has(PASSES_HANDLES), "the transport is not declared PASSES_HANDLES");
    assumeCrossProcess();
    ChildPeer peer = fixture.startPeer("", "handles");
    HandleExchange.Seen seen;
    try {
      seen = HandleExchange.parent(peer.channel(), PATIENCE.multipliedBy(3));
    } catch (IOException e) {
      throw new AssertionError("the exchange of handles failed: " + e + "; the child's output:\n" + peer.output(), e);
    }
    assertEquals(peer.process().pid(), seen.childPid(), "the pid the child reported");
    assertEquals("through a connection the child accepted", seen.lineThroughPassedConnection(),
        "what a client of the listener passed to the child read, written here through the connection the "
            + "child accepted and passed back");
    assertEquals("served by " + peer.process().pid(), seen.lineServedByChild(),
        "what a client of the child's listener, accepted here, read after the connection was passed to the child");
    peer.channel().close();
    assertEquals(PeerMain.OK, peer.waitFor(PATIENCE), "child exit code; its output:\n" + peer.output());
  }

  /** A handle the channel cannot carry is refused before anything is sent, with a reason. */
  @Test
  @Timeout(value = 30, threadMode = ThreadMode.SEPARATE_THREAD)
  void handlesAreRefusedClearlyWhereTheyCannotTravel() throws Exception {
    Pair p = fixture.connectedPair("");
    // any open descriptor will do as a handle; a file's is the one every platform has
    java.nio.file.Path file = java.nio.file.Files.writeString(fixture.scratch().resolve("handle.txt"), "x");
    try (java.io.FileInputStream open = new java.io.FileInputStream(file.toFile())) {
      Handle handle = Handle.of(open.getFD(), "a file");
      if (!caps.has(PASSES_HANDLES)) {
        IOException e = assertThrows(dev.ipckit.TransportUnavailableException.class,
            () -> p.client().send(ByteBuffer.wrap(new byte[] {1}), handle),
            "send with a handle on a transport without PASSES_HANDLES");
        assertMentions(e, "PASSES_HANDLES");
      }
      java.io.FileInputStream closedStream = new java.io.FileInputStream(file.toFile());
      Handle closed = Handle.of(closedStream.getFD(), "a closed file");
      closedStream.close();
      Class<? extends Exception> expected = caps.has(PASSES_HANDLES) ? IllegalArgumentException.class
          : dev.ipckit.TransportUnavailableException.class;
      assertThrows(expected, () -> p.client().send(ByteBuffer.wrap(new byte[] {2}), closed),
          "send with a closed handle");
    } finally {
      java.nio.file.Files.delete(file);
    }
    // nothing of the refused sends arrived, and the channel still works both ways
    roundTrip(p.client(), p.server());
    assertNull(p.server().receive(Duration.ofMillis(100)), "a refused send left a message behind");
  }

  // ---------------------------------------------------------------------------------------------
  // 10. Durable logs: named readers resume, any reader starts at the beginning, the end or a position

  @Test
  @Timeout(value = 30, threadMode = ThreadMode.SEPARATE_THREAD)
  void aNamedReaderThatRestartsResumesAtTheFirstMessageItHadNotReceived() throws Exception {
    assumeDurable();
    String log = fixture.newLog();
    Channel writer = openLogWriter(log);
    Channel reader = openLogReader(log, "billing", TransportFixture.START_BEGINNING);
    appendNumbered(writer, 0, 50);
    expectNumbered(reader, 0, 20);
    reader.close();
    appendNumbered(writer, 50, 60); // while no reader of that name is open
    Channel again = openLogReader(log, "billing", TransportFixture.START_BEGINNING);
    expectNumbered(again, 20, 60);
    assertNull(again.receive(Duration.ofMillis(200)), "a restarted reader is handed nothing twice");
    Channel audit = openLogReader(log, "audit", TransportFixture.START_BEGINNING);
    expectNumbered(audit, 0, 60); // another name has a position of its own
  }

  @Test
  @Timeout(value = 60, threadMode = ThreadMode.SEPARATE_THREAD)
  void aNamedReaderKilledWithSigkillResumesAtTheFirstMessageItHadNotReceived() throws Exception {
    assumeDurable();
    assumeCrossProcess();
    String log = fixture.newLog();
    Channel writer = openLogWriter(log);
    appendNumbered(writer, 0, 500);
    String worker = fixture.logReaderUri(log, "worker", TransportFixture.START_BEGINNING);
    java.io.File output = ChildJvm.newLogFile(PeerMain.class);
    ChildPeer child = fixture.closeLater(new ChildPeer(
        ChildJvm.start(PeerMain.class, fixture.childJvmArgs(), output, worker, "read", "200"), null,
        output.toPath()));
    long deadline = System.nanoTime() + Duration.ofSeconds(40).toNanos();
    while (!child.output().contains("held") && System.nanoTime() < deadline) {
      assertTrue(child.process().isAlive(), "the reading child exited; its output:\n" + child.output());
      Thread.sleep(20);
    }
    List<String> got = child.output().lines().filter(l -> l.startsWith("got ")).toList();
    assertEquals(200, got.size(), "messages the child received before it was killed; its output:\n"
        + child.output());
    for (int i = 0; i < 200; i++) {
      assertEquals("got " + i, got.get(i), "the child's message " + i);
    }
    child.kill(); // SIGKILL: the reader never closed
    appendNumbered(writer, 500, 520);
    Channel resumed = openLogReader(log, "worker", TransportFixture.START_BEGINNING);
    int again = fixture.unacknowledgedRedeliveredAfterCrash(); // 0: exactly once; 1: at-least-once
    expectNumbered(resumed, 200 - again, 520);
    assertNull(resumed.receive(Duration.ofMillis(200)), again == 0
        ? "nothing the killed reader received comes again"
        : "nothing the killed reader received comes again but its last " + again + " (not acknowledged)");
  }

  @Test
  @Timeout(value = 30, threadMode = ThreadMode.SEPARATE_THREAD)
  void aReaderStartsAtTheBeginningTheEndOrAGivenPositionUnlessItsNameHasOne() throws Exception {
    assumeDurable();
    String log = fixture.newLog();
    Channel writer = openLogWriter(log);
    appendNumbered(writer, 0, 10);
    Channel first = openLogReader(log, "first", TransportFixture.START_BEGINNING);
    expectNumbered(first, 0, 6);
    String sixth = fixture.lastReadPosition(first); // the position of message 5
    Channel late = openLogReader(log, "late", TransportFixture.START_END);
    Channel middle = openLogReader(log, "middle", sixth);
    assertNull(late.receive(Duration.ofMillis(200)), "a reader that starts at the end sees nothing written before");
    appendNumbered(writer, 10, 12);
    expectNumbered(late, 10, 12);
    expectNumbered(middle, 5, 12);
    first.close();
    Channel resumed = openLogReader(log, "first", TransportFixture.START_END);
    expectNumbered(resumed, 6, 12); // its saved position wins over start=end
  }

  // ---------------------------------------------------------------------------------------------
  // helpers

  private void assumeCrossProcess() {
    assumeTrue(caps.has(CROSSES_PROCESSES), "the transport is not declared CROSSES_PROCESSES: "
        + "its peer cannot be another OS process");
  }

  private void assumeDurable() {
    assumeTrue(caps.has(DURABLE), "the transport is not declared DURABLE: no log to replay");
  }

  private Channel openLogWriter(String log) throws IOException {
    return fixture.closeLater(Channels.open(fixture.logWriterUri(log)));
  }

  private Channel openLogReader(String log, String name, String start) throws IOException {
    return fixture.closeLater(Channels.open(fixture.logReaderUri(log, name, start)));
  }

  private static void appendNumbered(Channel writer, int from, int to) throws IOException {
    for (int i = from; i < to; i++) {
      writer.send(ByteBuffer.allocate(4).putInt(0, i));
    }
    writer.flush();
  }

  private static void expectNumbered(Channel reader, int from, int to) throws IOException {
    for (int i = from; i < to; i++) {
      ByteBuffer m = reader.receive(PATIENCE);
      assertNotNull(m, "message " + i + " did not reach " + reader.uri() + " within " + PATIENCE);
      assertEquals(4, m.remaining(), "message " + i + " on " + reader.uri());
      assertEquals(i, m.getInt(m.position()), "the next message on " + reader.uri());
    }
  }

  private void assumeByteStream() {
    assumeTrue(caps.has(BYTE_STREAM), "the transport is not declared BYTE_STREAM: no raw frames to break");
  }

  /** Submits {@code task} to this case's workers; they are stopped before the leak check. */
  protected <T> Future<T> async(Callable<T> task) {
    return workers.submit(task);
  }

  private Future<?> sendAsync(Channel c, byte[] message) {
    return async(() -> {
      c.send(message);
      return null;
    });
  }

  /** The result of {@code f}, or its failure rethrown, or an AssertionError after {@code timeout}. */
  protected static <T> T await(Future<T> f, Duration timeout) throws Exception {
    try {
      return f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof Exception ex) {
        throw ex;
      }
      if (e.getCause() instanceof Error err) {
        throw err;
      }
      throw e;
    } catch (TimeoutException e) {
      throw new AssertionError("a task of this case did not finish within " + timeout + ": "
          + stacksOf("conformance-worker-"), e);
    }
  }

  /** The next message on {@code c}, failing the case if none comes within {@link #PATIENCE}. */
  protected static ByteBuffer receive(Channel c) throws IOException {
    ByteBuffer m = c.receive(PATIENCE);
    if (m == null) {
      throw new AssertionError("no message within " + PATIENCE + " on " + c.uri());
    }
    return m;
  }

  /** One message taken with poll and copied inside the handler. */
  private static ByteBuffer pollOne(Channel c) throws IOException {
    List<byte[]> got = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    int n = c.poll(m -> {
      if (!m.isReadOnly()) {
        problems.add("poll handed a writable buffer; the contract says read-only view");
      }
      got.add(bytesOf(m));
    }, 1, PATIENCE);
    assertEquals(List.of(), problems);
    assertEquals(1, n, "poll(limit 1) within " + PATIENCE + " on " + c.uri());
    assertEquals(1, got.size(), "handler calls");
    return ByteBuffer.wrap(got.get(0));
  }

  /** Sends {@code n} Traffic messages and an end marker; returns the payload bytes sent. */
  private static long sendTraffic(Channel c, long seed, int n) throws IOException {
    return sendTraffic(c, seed, n, true);
  }

  private static long sendTraffic(Channel c, long seed, int n, boolean endMarker) throws IOException {
    Traffic.Generator g = new Traffic.Generator(seed);
    for (int i = 0; i < n; i++) {
      c.send(g.next());
    }
    if (endMarker) {
      c.send(Traffic.endMarker(n));
    }
    return g.bytes();
  }

  /** Receives Traffic with poll until the end marker; fails on the first bad message. */
  private static Traffic.Verifier verifyWithPoll(Channel c, String name) throws IOException {
    Traffic.Verifier v = new Traffic.Verifier(name);
    List<String> errors = new ArrayList<>();
    boolean[] ended = new boolean[1];
    while (!ended[0] && errors.isEmpty()) {
      int n = c.poll(m -> {
        if (!errors.isEmpty()) {
          return; // the first error is the one that matters
        }
        if (ended[0]) {
          errors.add(name + ": a message of " + m.remaining() + " bytes after the end marker");
          return;
        }
        try {
          if (Traffic.endCount(m) >= 0) {
            v.checkEnd(m);
            ended[0] = true;
          } else {
            v.check(m);
          }
        } catch (RuntimeException e) {
          errors.add(e.getMessage());
        }
      }, 1024, PATIENCE);
      if (n == 0) {
        throw new AssertionError(name + ": nothing arrived for " + PATIENCE + " after " + v.count()
            + " messages");
      }
    }
    assertEquals(List.of(), errors);
    return v;
  }

  /** Sends 1 KiB messages until send fails; returns the failure. */
  private static IOException sendUntilFailure(Channel c, Duration within) {
    long deadline = System.nanoTime() + within.toNanos();
    byte[] m = new byte[KiB];
    while (System.nanoTime() < deadline) {
      try {
        c.send(m);
      } catch (IOException e) {
        return e;
      }
    }
    throw new AssertionError("send to a dead peer still succeeded after " + within);
  }

  /** Waits until {@code counter} stops moving for 500 ms (the task is blocked), for up to 20 s. */
  private static void awaitStall(AtomicLong counter, Future<?> task, String why) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    long last = -1;
    while (System.nanoTime() < deadline) {
      if (task.isDone()) {
        await(task, PATIENCE);
        fail("the task ended before it was expected to block: " + why);
      }
      long now = counter.get();
      if (now == last && now > 0) {
        return;
      }
      last = now;
      Thread.sleep(500);
    }
    fail("the task never blocked within 20 s (" + counter.get() + " sends): " + why);
  }

  private static void awaitChannelCount(ChannelServer server, int n) throws InterruptedException {
    long deadline = System.nanoTime() + LeakCheck.GRACE.toNanos();
    while (server.channels().size() != n && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertEquals(n, server.channels().size(), "channels() of " + server.uri() + " " + LeakCheck.GRACE.toMillis()
        + " ms later: it lists only open channels, and isOpen() is false once the peer closed");
  }

  /** A client of {@code server} and its accepted end; the fixture closes both. */
  private Pair connect(ChannelServer server) throws Exception {
    CompletableFuture<Channel> accepting = fixture.acceptAsync(server, PATIENCE);
    Channel client = fixture.closeLater(Channels.open(server.uri()));
    Channel accepted = await(accepting, PATIENCE.plusSeconds(5));
    assertNotNull(accepted, "a well-behaved client of " + server.uri() + " was not accepted within " + PATIENCE);
    return new Pair(client, accepted, server);
  }

  private RawPeer rawPeer(RawConnection rc) {
    return fixture.closeLater(new RawPeer(rc.raw()));
  }

  /** A raw client that completed the handshake, and the server's channel for it. */
  private record Handshaken(RawPeer raw, Channel server) {}

  private Handshaken rawHandshake(String options, long maxMessage) throws Exception {
    RawConnection rc = fixture.rawConnection(options);
    RawPeer raw = rawPeer(rc);
    raw.write(RawPeer.hello(maxMessage));
    Channel s = rc.channel(PATIENCE.plusSeconds(5));
    assertNotNull(s, "a raw client that sent a valid hello was not accepted");
    RawPeer.parseHello(raw.read(RawPeer.HELLO_SIZE, PATIENCE));
    return new Handshaken(raw, s);
  }

  protected static void roundTrip(Channel a, Channel b) throws IOException {
    byte[] ping = randomBytes(100, 9);
    a.send(ping);
    assertSameBytes(ping, receive(b), "round trip there");
    byte[] pong = randomBytes(1000, 10);
    b.send(pong);
    assertSameBytes(pong, receive(a), "round trip back");
  }

  private static String counts(Traffic.Verifier[] vs) {
    return Arrays.stream(vs).map(v -> String.valueOf(v.count())).collect(Collectors.joining(", "));
  }

}
