package dev.ipckit.cluster.http;

import dev.ipckit.Handle;
import dev.ipckit.IpcException;
import dev.ipckit.cluster.ListenMode;
import dev.ipckit.cluster.Worker;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.newsclub.net.unix.FileDescriptorCast;

/**
 * An HTTP server for a cluster worker, on Netty's epoll transport: it accepts on the socket the
 * supervisor passed (adopted by its descriptor) or binds the cluster's port with SO_REUSEPORT,
 * and drains when the supervisor asks the worker to stop: it stops accepting, lets the requests in
 * flight finish (answering them with {@code Connection: close}), closes idle connections, and
 * closes what is left when the deadline has passed.
 *
 * <pre>{@code
 * Worker worker = Worker.current();
 * HttpWorkerServer.start(worker, request -> HttpWorkerServer.text(HttpResponseStatus.OK, "hello\n"), 16);
 * worker.ready();
 * }</pre>
 *
 * Handlers run on a pool of their own, so a slow one holds no event loop. Needs Linux (epoll) and
 * Netty on the class path (ipc-cluster declares it optional).
 */
public final class HttpWorkerServer implements Closeable {
  private static final AttributeKey<Connection> STATE = AttributeKey.valueOf("ipckit.connection");
  private static final int MAX_BODY = 1 << 20;
  /** How long a closing connection waits for its client to close after our FIN, reading what comes. */
  private static final long LINGER_MILLIS = 2_000;
  /**
   * A connection accepted this recently that has sent nothing yet is not idle but about to ask:
   * its client connected to this worker and is writing its first request. Closing it would make
   * that client retry elsewhere (or fail, if it does not retry); a drain gives it this long.
   */
  private static final long FRESH_MILLIS = 250;

  private final EventLoopGroup loops;
  private final ExecutorService handlers;
  private final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
  private final AtomicInteger inFlight = new AtomicInteger();
  private final HttpHandler handler;
  private volatile Channel server;
  private volatile boolean draining;

  /** Answers one request; runs on the server's handler pool, may block. */
  @FunctionalInterface
  public interface HttpHandler {
    FullHttpResponse handle(FullHttpRequest request) throws Exception;
  }

  private HttpWorkerServer(HttpHandler handler, int handlerThreads) {
    if (!Epoll.isAvailable()) {
      throw new IllegalStateException("HttpWorkerServer needs Netty's epoll transport: " + Epoll.unavailabilityCause(),
          Epoll.unavailabilityCause());
    }
    this.handler = handler;
    this.loops = new EpollEventLoopGroup(Math.max(1, Runtime.getRuntime().availableProcessors()),
        new DefaultThreadFactory("ipckit-http-loop", false));
    this.handlers = Executors.newFixedThreadPool(handlerThreads, new DefaultThreadFactory("ipckit-http-handler", true));
  }

  /**
   * Serves HTTP on {@code worker}'s listener (shared or SO_REUSEPORT, as its supervisor says) and
   * drains on its shutdown request. Call {@link Worker#ready()} after it returns.
   */
  public static HttpWorkerServer start(Worker worker, HttpHandler handler, int handlerThreads) throws IOException {
    ListenMode mode = worker.listenMode().orElseThrow(() -> new IllegalStateException(
        "the supervisor of worker " + worker.slot() + " listens on no port (Supervisor.Builder.listen)"));
    HttpWorkerServer s = new HttpWorkerServer(handler, handlerThreads);
    try {
      if (mode == ListenMode.SHARED) {
        s.adopt(worker.takeListener());
      } else {
        s.bind(worker.address().orElseThrow(), true);
      }
    } catch (IOException | RuntimeException e) {
      s.close();
      throw e;
    }
    worker.onShutdown(s::drain);
    return s;
  }

  /** Serves HTTP on {@code address} in this process alone (no supervisor). */
  public static HttpWorkerServer bind(InetSocketAddress address, HttpHandler handler, int handlerThreads)
      throws IOException {
    HttpWorkerServer s = new HttpWorkerServer(handler, handlerThreads);
    try {
      s.bind(address, false);
    } catch (IOException | RuntimeException e) {
      s.close();
      throw e;
    }
    return s;
  }

  /** Where it accepts. */
  public InetSocketAddress address() {
    return (InetSocketAddress) server.localAddress();
  }

  private ServerBootstrap bootstrap() {
    return new ServerBootstrap().group(loops).childHandler(new ChannelInitializer<SocketChannel>() {
      @Override
      protected void initChannel(SocketChannel ch) {
        ch.attr(STATE).set(new Connection());
        connections.add(ch);
        ch.pipeline().addLast(new HttpServerCodec(), new RequestStart(), new HttpObjectAggregator(MAX_BODY),
            new Dispatch());
      }
    });
  }

  private void adopt(Handle listener) throws IOException {
    int fd = FileDescriptorCast.using(listener.descriptor()).as(Integer.class);
    // the adopted socket is bound and listening already: register it, never bind
    io.netty.channel.ChannelFuture f = bootstrap().channelFactory(() -> new EpollServerSocketChannel(fd)).register()
        .awaitUninterruptibly();
    if (!f.isSuccess()) {
      throw new IpcException("cannot serve HTTP on " + listener.description() + ": " + f.cause(), f.cause());
    }
    server = f.channel();
  }

  private void bind(InetSocketAddress address, boolean reusePort) throws IOException {
    ServerBootstrap b = bootstrap().channel(EpollServerSocketChannel.class);
    if (reusePort) {
      b.option(EpollChannelOption.SO_REUSEPORT, true);
    }
    io.netty.channel.ChannelFuture f = b.bind(address).awaitUninterruptibly();
    if (!f.isSuccess()) {
      throw new IpcException("cannot serve HTTP on " + address + (reusePort ? " with SO_REUSEPORT" : "") + ": "
          + f.cause().getMessage(), f.cause());
    }
    server = f.channel();
  }

  /**
   * Drains, the way an HTTP/1.1 client can live with: stops accepting first; answers each request
   * in flight with {@code Connection: close} and closes its connection once the response is
   * written; closes idle connections (no request begun, and not just accepted: a client that
   * connected less than {@value #FRESH_MILLIS} ms ago is still writing its first request, which is
   * answered) gracefully. A graceful close sends FIN
   * (shutdownOutput) and reads on until the client closes its side or {@value #LINGER_MILLIS}
   * ms pass, so a request that crossed the FIN is read and dropped, never answered by a reset: the
   * client sees the connection end before any response, which is the case HTTP clients retry on
   * a new connection (RFC 9112 section 9.3.1; java.net.http does for idempotent requests). What is
   * still open when {@code left} has passed is closed at once; then its threads stop.
   */
  public void drain(Duration left) throws InterruptedException {
    long deadline = System.nanoTime() + left.toNanos();
    draining = true;
    Channel s = server;
    if (s != null) {
      s.close().awaitUninterruptibly();
    }
    for (Channel c : connections) {
      c.eventLoop().execute(() -> closeIfIdle(c));
    }
    while ((inFlight.get() > 0 || !connections.isEmpty()) && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    close();
  }

  /** On {@code c}'s event loop: while draining, a connection with no request begun is closed gracefully. */
  private void closeIfIdle(Channel c) {
    Connection st = c.attr(STATE).get();
    if (!draining || st.inFlight > 0) {
      return;
    }
    long freshFor = FRESH_MILLIS - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - st.openedNanos);
    if (!st.asked && freshFor > 0) {
      c.eventLoop().schedule(() -> closeIfIdle(c), freshFor, TimeUnit.MILLISECONDS);
      return;
    }
    closeGracefully(c, st);
  }

  private static void closeGracefully(Channel c, Connection st) {
    if (st.closing) {
      return;
    }
    st.closing = true;
    if (c instanceof DuplexChannel d && c.isActive()) {
      d.shutdownOutput();
      c.eventLoop().schedule(() -> c.close(), LINGER_MILLIS, TimeUnit.MILLISECONDS);
    } else {
      c.close();
    }
  }

  /** Closes every connection and stops at once. Idempotent. */
  @Override
  public void close() {
    draining = true;
    Channel s = server;
    if (s != null) {
      s.close().awaitUninterruptibly();
    }
    connections.close().awaitUninterruptibly();
    handlers.shutdownNow();
    loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
  }

  /** A plain-text response. */
  public static FullHttpResponse text(HttpResponseStatus status, String body) {
    DefaultFullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
        io.netty.buffer.Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
    r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
    return r;
  }

  /** A connection's state, confined to its event loop. */
  private static final class Connection {
    /** Requests begun (their head read) and not yet answered. */
    int inFlight;
    /** Our side is closed (FIN sent): what the client still sends is read and dropped. */
    boolean closing;
    /** A request has begun on it. */
    boolean asked;
    final long openedNanos = System.nanoTime();
  }

  /**
   * Counts a request from its head on, before the aggregator has the whole of it, so that a
   * draining server never closes a connection under a request it has begun to read; drops what
   * comes on a connection that is closing.
   */
  private final class RequestStart extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      Connection st = ctx.channel().attr(STATE).get();
      if (st.closing) {
        ReferenceCountUtil.release(msg);
        return;
      }
      if (msg instanceof HttpRequest) {
        st.asked = true;
        st.inFlight++;
        inFlight.incrementAndGet();
      }
      ctx.fireChannelRead(msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      // requests that will never be answered (the client went away, or the aggregator refused them)
      Connection st = ctx.channel().attr(STATE).get();
      inFlight.addAndGet(-st.inFlight);
      st.inFlight = 0;
      ctx.fireChannelInactive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof ChannelInputShutdownEvent) {
        ctx.close(); // the client closed its side: nothing more will come
      }
      ctx.fireUserEventTriggered(evt);
    }
  }

  /** Hands each request to the pool and writes its response on the connection's loop. */
  private final class Dispatch extends SimpleChannelInboundHandler<FullHttpRequest> {
    Dispatch() {
      super(false); // the handler pool releases the request
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
      Connection mine = ctx.channel().attr(STATE).get();
      boolean keepAlive = HttpUtil.isKeepAlive(request);
      handlers.execute(() -> {
        FullHttpResponse response;
        try {
          response = handler.handle(request);
        } catch (Exception | Error e) {
          response = text(HttpResponseStatus.INTERNAL_SERVER_ERROR, "error: " + e + "\n");
        } finally {
          request.release();
        }
        FullHttpResponse r = response;
        ctx.executor().execute(() -> write(ctx, r, keepAlive, mine));
      });
    }

    private void write(ChannelHandlerContext ctx, FullHttpResponse r, boolean keepAlive, Connection mine) {
      if (!ctx.channel().isActive()) {
        r.release(); // the client is gone; channelInactive has uncounted the request
        return;
      }
      boolean keep = keepAlive && !draining;
      HttpUtil.setContentLength(r, r.content().readableBytes());
      HttpUtil.setKeepAlive(r, keep);
      ctx.writeAndFlush(r).addListener(f -> {
        if (mine.inFlight > 0) {
          mine.inFlight--;
          inFlight.decrementAndGet();
        }
        if (!keep || draining && mine.inFlight == 0) {
          // said Connection: close (or began draining while it was written): end it once answered
          closeGracefully(ctx.channel(), mine);
        }
      });
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }
}
