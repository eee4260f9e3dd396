package dev.ipckit.typed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.ipckit.ChannelClosedException;
import dev.ipckit.ProtocolException;
import dev.ipckit.codec.JsonCodec;
import dev.ipckit.codec.KryoCodec;
import dev.ipckit.codec.StringCodec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class RpcChannelTest {
  private static final Duration DEADLINE = Duration.ofSeconds(10);

  public record Ask(int thread, int seq) {}

  public record Answer(int thread, int seq, String text) {}

  private final List<AutoCloseable> toClose = new ArrayList<>();
  private Set<Thread> threadsBefore;
  private MemPair pair;

  @BeforeEach
  void openPair() throws Exception {
    threadsBefore = ThreadLeaks.ipckitThreads();
    pair = MemPair.open();
  }

  /** Every test ends with every thread the channels started gone. */
  @AfterEach
  void closeAndCheckThreads() throws Exception {
    for (AutoCloseable c : toClose) {
      c.close();
    }
    pair.close();
    ThreadLeaks.assertNoneBeyond(threadsBefore);
  }

  private <T, R> RpcChannel<T, R> client(RpcChannel<T, R> rpc) {
    toClose.add(rpc);
    return rpc;
  }

  private RpcChannel<String, String> stringClient() {
    return client(RpcChannel.open(pair.client(), StringCodec.UTF_8));
  }

  private RpcChannel<String, String> stringServer() {
    return client(RpcChannel.open(pair.serverEnd(), StringCodec.UTF_8));
  }

  @Test
  @Timeout(10)
  void aRequestGetsItsReply() throws Exception {
    RpcChannel<String, String> server = stringServer();
    server.serve(s -> "echo: " + s);
    RpcChannel<String, String> client = stringClient();
    assertEquals("echo: grüß 世界", client.request("grüß 世界", DEADLINE).get(5, TimeUnit.SECONDS));
    assertEquals(0, client.pendingRequests());
  }

  @Test
  @Timeout(60)
  void eightThreadsTimesAThousandConcurrentRequestsAreAllMatched() throws Exception {
    KryoCodec<Ask> asks = KryoCodec.builder().register(Ask.class).build(Ask.class);
    KryoCodec<Answer> answers = KryoCodec.builder().register(Answer.class).build(Answer.class);
    // several handler threads, so replies come back out of request order
    ExecutorService handlers = Executors.newFixedThreadPool(4);
    toClose.add(handlers::shutdownNow);
    RpcChannel<Ask, Answer> server = client(RpcChannel.open(pair.serverEnd(), asks, answers, handlers));
    server.serve(a -> new Answer(a.thread(), a.seq(), "t" + a.thread() + "-" + a.seq() + "-ü"));
    RpcChannel<Ask, Answer> client = client(RpcChannel.open(pair.client(), asks, answers));

    int threads = 8;
    int perThread = 1000;
    CountDownLatch start = new CountDownLatch(1);
    List<CompletableFuture<Void>> senders = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int thread = t;
      senders.add(CompletableFuture.runAsync(() -> {
        try {
          start.await();
          List<CompletableFuture<Answer>> mine = new ArrayList<>();
          for (int i = 0; i < perThread; i++) {
            mine.add(client.request(new Ask(thread, i), Duration.ofSeconds(30)));
          }
          for (int i = 0; i < perThread; i++) {
            Answer a = mine.get(i).get(30, TimeUnit.SECONDS);
            if (a.thread() != thread || a.seq() != i || !a.text().equals("t" + thread + "-" + i + "-ü")) {
              throw new AssertionError("request " + thread + "/" + i + " got " + a);
            }
          }
        } catch (Exception e) {
          throw new RuntimeException(e);
        }
      }, Executors.newSingleThreadExecutor()));
    }
    start.countDown();
    CompletableFuture.allOf(senders.toArray(new CompletableFuture<?>[0])).get(50, TimeUnit.SECONDS);
    assertEquals(0, client.pendingRequests(), "settled requests left in the pending map");
  }

  @Test
  @Timeout(10)
  void aMissedDeadlineFailsTheRequestAndForgetsIt() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    RpcChannel<String, String> server = stringServer();
    server.serve(s -> {
      if (s.equals("slow")) {
        await(release);
      }
      return s + "!";
    });
    RpcChannel<String, String> client = stringClient();

    long start = System.nanoTime();
    CompletableFuture<String> slow = client.request("slow", Duration.ofMillis(200));
    ExecutionException e = assertThrows(ExecutionException.class, () -> slow.get(5, TimeUnit.SECONDS));
    long elapsedMs = (System.nanoTime() - start) / 1_000_000;
    RequestTimeoutException timeout = assertInstanceOf(RequestTimeoutException.class, e.getCause());
    assertTrue(elapsedMs >= 190 && elapsedMs < 3000, "timed out after " + elapsedMs + " ms");
    assertTrue(timeout.getMessage().contains("within its deadline of 200 ms"), timeout.getMessage());
    assertTrue(timeout.getMessage().contains(pair.client().uri()), timeout.getMessage());
    assertEquals(0, client.pendingRequests(), "a timed-out request leaked in the pending map");

    // the late reply is dropped, and the channel goes on working
    release.countDown();
    assertEquals("fast!", client.request("fast", DEADLINE).get(5, TimeUnit.SECONDS));
    assertEquals(0, client.pendingRequests());
  }

  @Test
  @Timeout(10)
  void aHandlerThatThrowsSendsAnErrorReply() throws Exception {
    RpcChannel<String, String> server = stringServer();
    server.serve(s -> {
      if (s.startsWith("bad")) {
        throw new IllegalStateException("cannot handle '" + s + "' – ü");
      }
      return s;
    });
    RpcChannel<String, String> client = stringClient();
    ExecutionException e = assertThrows(ExecutionException.class,
        () -> client.request("bad input", DEADLINE).get(5, TimeUnit.SECONDS));
    RemoteHandlerException remote = assertInstanceOf(RemoteHandlerException.class, e.getCause());
    assertEquals("java.lang.IllegalStateException", remote.remoteType());
    assertEquals("cannot handle 'bad input' – ü", remote.remoteMessage());
    assertTrue(remote.getMessage().contains("failed at the peer"), remote.getMessage());
    assertEquals("fine", client.request("fine", DEADLINE).get(5, TimeUnit.SECONDS));
  }

  @Test
  @Timeout(10)
  void aRequestWithoutAHandlerGetsAnErrorReply() throws Exception {
    stringServer();
    RpcChannel<String, String> client = stringClient();
    ExecutionException e = assertThrows(ExecutionException.class,
        () -> client.request("anyone?", DEADLINE).get(5, TimeUnit.SECONDS));
    RemoteHandlerException remote = assertInstanceOf(RemoteHandlerException.class, e.getCause());
    assertTrue(remote.remoteMessage().contains("serve() was not called"), remote.getMessage());
  }

  @Test
  @Timeout(10)
  void aReplyTheCodecCannotEncodeComesBackAsAnError() throws Exception {
    RpcChannel<String, String> server = stringServer();
    server.serve(s -> null); // the UTF-8 codec refuses null
    RpcChannel<String, String> client = stringClient();
    ExecutionException e = assertThrows(ExecutionException.class,
        () -> client.request("x", DEADLINE).get(5, TimeUnit.SECONDS));
    RemoteHandlerException remote = assertInstanceOf(RemoteHandlerException.class, e.getCause());
    assertEquals("dev.ipckit.codec.CodecException", remote.remoteType());
  }

  @Test
  @Timeout(10)
  void closingFailsEveryPendingRequest() throws Exception {
    CountDownLatch never = new CountDownLatch(1);
    toClose.add(never::countDown);
    RpcChannel<String, String> server = stringServer();
    server.serve(s -> {
      await(never);
      return s;
    });
    RpcChannel<String, String> client = stringClient();
    List<CompletableFuture<String>> futures = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      futures.add(client.request("r" + i, Duration.ofMinutes(5)));
    }
    assertEquals(5, client.pendingRequests());
    long start = System.nanoTime();
    client.close();
    for (CompletableFuture<String> f : futures) {
      ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(1, TimeUnit.SECONDS));
      assertInstanceOf(ChannelClosedException.class, e.getCause());
    }
    assertTrue(System.nanoTime() - start < 1_500_000_000L, "close took too long");
    assertEquals(0, client.pendingRequests());
    assertFalse(client.isOpen());

    ExecutionException after = assertThrows(ExecutionException.class,
        () -> client.request("late", DEADLINE).get(1, TimeUnit.SECONDS));
    assertInstanceOf(ChannelClosedException.class, after.getCause());
    assertThrows(ChannelClosedException.class, () -> client.emit("e", "x"));
    client.close(); // idempotent
  }

  @Test
  @Timeout(10)
  void thePeerClosingFailsPendingRequestsPromptly() throws Exception {
    RpcChannel<String, String> server = stringServer(); // never serves: requests stay pending
    CountDownLatch never = new CountDownLatch(1);
    toClose.add(never::countDown);
    server.serve(s -> {
      await(never);
      return s;
    });
    RpcChannel<String, String> client = stringClient();
    CompletableFuture<String> f = client.request("hello", Duration.ofMinutes(5));
    long start = System.nanoTime();
    server.close();
    ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(2, TimeUnit.SECONDS));
    assertInstanceOf(ChannelClosedException.class, e.getCause());
    assertTrue(System.nanoTime() - start < 1_000_000_000L, "the client learnt of the close too late");
    assertTrue(e.getCause().getMessage().contains("got no reply"), e.getCause().getMessage());
  }

  @Test
  @Timeout(10)
  void eventsAreDispatchedByType() throws Exception {
    JsonCodec<Map<String, Object>> json = JsonCodec.MAP;
    RpcChannel<Map<String, Object>, Map<String, Object>> server =
        client(RpcChannel.open(pair.serverEnd(), json));
    RpcChannel<Map<String, Object>, Map<String, Object>> client = client(RpcChannel.open(pair.client(), json));

    List<Object> first = new CopyOnWriteArrayList<>();
    List<Object> second = new CopyOnWriteArrayList<>();
    List<Object> other = new CopyOnWriteArrayList<>();
    CountDownLatch done = new CountDownLatch(1);
    client.on("état", m -> first.add(m.get("n")));
    client.on("état", m -> second.add(m.get("n")));
    client.on("other", m -> other.add(m.get("n")));
    client.on("done", m -> done.countDown());

    server.emit("état", Map.of("n", 1));
    server.emit("other", Map.of("n", 2));
    server.emit("nobody-listens", Map.of("n", 3));
    server.emit("état", Map.of("n", 4));
    server.emit("done", Map.of());
    assertTrue(done.await(5, TimeUnit.SECONDS), "the last event never arrived");

    assertEquals(List.of(1, 4), first);
    assertEquals(List.of(1, 4), second);
    assertEquals(List.of(2), other);
  }

  @Test
  @Timeout(10)
  void aListenerCanBeRemoved() throws Exception {
    RpcChannel<String, String> server = stringServer();
    RpcChannel<String, String> client = stringClient();
    List<String> seen = new CopyOnWriteArrayList<>();
    CountDownLatch firstDone = new CountDownLatch(1);
    CountDownLatch secondDone = new CountDownLatch(2);
    java.util.function.Consumer<String> listener = seen::add;
    client.on("tick", listener);
    client.on("done", s -> {
      firstDone.countDown();
      secondDone.countDown();
    });
    server.emit("tick", "a");
    server.emit("done", "");
    assertTrue(firstDone.await(5, TimeUnit.SECONDS));
    assertTrue(client.off("tick", listener));
    assertFalse(client.off("tick", listener));
    server.emit("tick", "b");
    server.emit("done", "");
    assertTrue(secondDone.await(5, TimeUnit.SECONDS));
    assertEquals(List.of("a"), seen);
  }

  @Test
  @Timeout(10)
  void theEnvelopeOnTheWireIsTheDocumentedOne() throws Exception {
    RpcChannel<String, String> server = stringServer();
    server.serve(s -> s + "!");
    // a peer without ipckit's classes: hand-made bytes
    ByteBuffer request = ByteBuffer.allocate(9 + 4).put(Envelope.REQUEST).putLong(77)
        .put("ping".getBytes(StandardCharsets.UTF_8)).flip();
    pair.client().send(request);
    ByteBuffer reply = pair.client().receive(Duration.ofSeconds(5));
    ByteBuffer expected = ByteBuffer.allocate(9 + 5).put(Envelope.RESPONSE).putLong(77)
        .put("ping!".getBytes(StandardCharsets.UTF_8)).flip();
    assertEquals(expected, reply);
  }

  @Test
  @Timeout(10)
  void garbageFromThePeerClosesTheChannelWithAProtocolError() throws Exception {
    RpcChannel<String, String> server = stringServer();
    CompletableFuture<String> pending = server.request("will never be answered", Duration.ofMinutes(5));
    pair.client().send(new byte[] {42, 1, 2});
    ExecutionException e = assertThrows(ExecutionException.class, () -> pending.get(5, TimeUnit.SECONDS));
    ChannelClosedException closed = assertInstanceOf(ChannelClosedException.class, e.getCause());
    assertInstanceOf(ProtocolException.class, closed.getCause());
    assertTrue(closed.getMessage().contains("expected at least 9 bytes"), closed.getMessage());
    assertFalse(server.isOpen());
  }

  @Test
  @Timeout(10)
  void closeFromInsideAHandlerStopsEverything() throws Exception {
    AtomicReference<RpcChannel<String, String>> self = new AtomicReference<>();
    RpcChannel<String, String> server = stringServer();
    self.set(server);
    server.serve(s -> {
      self.get().close();
      return s;
    });
    RpcChannel<String, String> client = stringClient();
    ExecutionException e = assertThrows(ExecutionException.class,
        () -> client.request("close yourself", DEADLINE).get(5, TimeUnit.SECONDS));
    assertInstanceOf(ChannelClosedException.class, e.getCause());
    // the @AfterEach check proves the handler thread ended too
  }

  @Test
  @Timeout(10)
  void noThreadOutlivesClose() throws Exception {
    Set<Thread> before = ThreadLeaks.ipckitThreads();
    RpcChannel<String, String> server = RpcChannel.open(pair.serverEnd(), StringCodec.UTF_8);
    RpcChannel<String, String> client = RpcChannel.open(pair.client(), StringCodec.UTF_8);
    server.serve(s -> s);
    client.serve(s -> s + s);
    CountDownLatch got = new CountDownLatch(1);
    client.on("e", s -> got.countDown());
    assertEquals("x", client.request("x", DEADLINE).get(5, TimeUnit.SECONDS));
    assertEquals("yy", server.request("y", DEADLINE).get(5, TimeUnit.SECONDS));
    server.emit("e", "y");
    assertTrue(got.await(5, TimeUnit.SECONDS));

    Set<Thread> during = ThreadLeaks.ipckitThreads();
    during.removeAll(before);
    // reader, timer and handler on each side
    assertEquals(6, during.size(), "threads: " + during);
    for (Thread t : during) {
      assertTrue(t.isDaemon(), t.getName() + " is not a daemon");
      assertTrue(t.getName().matches("ipckit-rpc-\\d+-(reader|timer|handler)"), t.getName());
    }
    client.close();
    server.close();
    ThreadLeaks.assertNoneBeyond(before);
  }

  private static void await(CountDownLatch latch) {
    try {
      if (!latch.await(30, TimeUnit.SECONDS)) {
        fail("latch never released");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
