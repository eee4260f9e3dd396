package dev.ipckit.cluster.http;

import dev.ipckit.Handle;
import dev.ipckit.IpcException;
import dev.ipckit.cluster.ListenMode;
import dev.ipckit.cluster.Worker;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AttributeKey;
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
  private static final AttributeKey<AtomicInteger> IN_FLIGHT = AttributeKey.valueOf("ipckit.inFlight");
  private static final int MAX_BODY = 1 << 20;

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
        ch.attr(IN_FLIGHT).set(new AtomicInteger());
        connections.add(ch);
        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(MAX_BODY), new Dispatch());
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
   * Stops accepting, answers the requests in flight (with {@code Connection: close}), closes
   * idle connections at once and the rest when {@code left} has passed, then stops its threads.
   */
  public void drain(Duration left) throws InterruptedException {
    long deadline = System.nanoTime() + left.toNanos();
    draining = true;
    Channel s = server;
    if (s != null) {
      s.close().awaitUninterruptibly();
    }
    for (Channel c : connections) {
      c.eventLoop().execute(() -> {
        if (c.attr(IN_FLIGHT).get().get() == 0) {
          c.close();
        }
      });
    }
    while (inFlight.get() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    close();
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

  /** Hands each request to the pool and writes its response on the connection's loop. */
  private final class Dispatch extends SimpleChannelInboundHandler<FullHttpRequest> {
    Dispatch() {
      super(false); // the handler pool releases the request
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
      AtomicInteger mine = ctx.channel().attr(IN_FLIGHT).get();
      mine.incrementAndGet();
      inFlight.incrementAndGet();
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

    private void write(ChannelHandlerContext ctx, FullHttpResponse r, boolean keepAlive, AtomicInteger mine) {
      boolean keep = keepAlive && !draining;
      HttpUtil.setContentLength(r, r.content().readableBytes());
      HttpUtil.setKeepAlive(r, keep);
      ctx.writeAndFlush(r).addListener(f -> {
        mine.decrementAndGet();
        inFlight.decrementAndGet();
        if (!keep) {
          ctx.close();
        }
      });
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }
}
