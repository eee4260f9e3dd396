package dev.ipckit.examples;

import dev.ipckit.cluster.Worker;
import dev.ipckit.cluster.http.HttpWorkerServer;
import dev.ipckit.redis.session.SessionStore;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.cookie.Cookie;
import io.netty.handler.codec.http.cookie.DefaultCookie;
import io.netty.handler.codec.http.cookie.ServerCookieDecoder;
import io.netty.handler.codec.http.cookie.ServerCookieEncoder;
import java.util.List;
import java.util.Optional;

/**
 * One worker of {@link SessionCluster}:
 * <ul>
 *   <li>{@code POST /login?user=NAME} makes a session holding the user, sets the cookie {@code sid};
 *   <li>{@code GET /me} says who the session's user is, and which worker (pid) answers;
 *   <li>{@code POST /logout} ends the session;
 *   <li>{@code GET /} answers the worker's pid (for load tests).
 * </ul>
 */
public final class SessionWorker {
  static final String REDIS_ENV = "EXAMPLE_REDIS_URI";
  private static final long PID = ProcessHandle.current().pid();

  private SessionWorker() {}

  public static void main(String[] args) throws Exception {
    Worker worker = Worker.current();
    SessionStore sessions = SessionStore.open(System.getenv(REDIS_ENV));
    HttpWorkerServer.start(worker, request -> answer(sessions, request), 16);
    worker.onShutdown(left -> sessions.close()); // after the server drained
    worker.ready();
  }

  private static FullHttpResponse answer(SessionStore sessions, FullHttpRequest request) throws Exception {
    QueryStringDecoder q = new QueryStringDecoder(request.uri());
    Optional<String> sid = cookie(request, "sid");
    switch (q.path()) {
      case "/login" -> {
        List<String> user = q.parameters().get("user");
        if (request.method() != HttpMethod.POST || user == null) {
          return HttpWorkerServer.text(HttpResponseStatus.BAD_REQUEST, "POST /login?user=NAME\n");
        }
        String id = sessions.create();
        sessions.set(id, "user", user.get(0));
        FullHttpResponse r = HttpWorkerServer.text(HttpResponseStatus.OK,
            "logged in as " + user.get(0) + " on worker " + PID + "\n");
        DefaultCookie c = new DefaultCookie("sid", id);
        c.setHttpOnly(true);
        c.setPath("/");
        r.headers().set(HttpHeaderNames.SET_COOKIE, ServerCookieEncoder.STRICT.encode(c));
        return r;
      }
      case "/me" -> {
        Optional<String> user = sid.isPresent() && sessions.exists(sid.get())
            ? sessions.getString(sid.get(), "user") : Optional.empty();
        if (user.isEmpty()) {
          return HttpWorkerServer.text(HttpResponseStatus.UNAUTHORIZED, "no session; worker " + PID + "\n");
        }
        long visits = sessions.increment(sid.get(), "visits", 1);
        return HttpWorkerServer.text(HttpResponseStatus.OK, "you are " + user.get() + " (visit " + visits
            + "), answered by worker " + PID + "\n");
      }
      case "/logout" -> {
        sid.ifPresent(id -> {
          try {
            sessions.invalidate(id);
          } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        });
        return HttpWorkerServer.text(HttpResponseStatus.OK, "logged out\n");
      }
      default -> {
        return HttpWorkerServer.text(HttpResponseStatus.OK, "worker " + PID + "\n");
      }
    }
  }

  private static Optional<String> cookie(FullHttpRequest request, String name) {
    String header = request.headers().get(HttpHeaderNames.COOKIE);
    if (header == null) {
      return Optional.empty();
    }
    for (Cookie c : ServerCookieDecoder.STRICT.decode(header)) {
      if (c.name().equals(name)) {
        return Optional.of(c.value());
      }
    }
    return Optional.empty();
  }
}
