package dev.ipckit.cluster;

import dev.ipckit.cluster.http.HttpWorkerServer;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * An HTTP worker for the cluster tests: {@code /} answers its pid, {@code /slow?ms=N} tells the
 * supervisor it started and answers after N ms; a message from the supervisor comes back as
 * {@code "echo " + message}.
 */
public final class HttpWorkerMain {
  private HttpWorkerMain() {}

  public static void main(String[] args) throws Exception {
    Worker worker = Worker.current();
    long pid = ProcessHandle.current().pid();
    HttpWorkerServer.start(worker, request -> {
      QueryStringDecoder q = new QueryStringDecoder(request.uri());
      if (q.path().equals("/slow")) {
        long ms = Long.parseLong(q.parameters().get("ms").get(0));
        worker.send(ByteBuffer.wrap(("slow request started in " + pid).getBytes(StandardCharsets.UTF_8)));
        Thread.sleep(ms);
        return HttpWorkerServer.text(HttpResponseStatus.OK, "slow done by " + pid + "\n");
      }
      return HttpWorkerServer.text(HttpResponseStatus.OK, "pid " + pid + " slot " + worker.slot() + "\n");
    }, 16);
    worker.onMessage(m -> {
      try {
        worker.send(ByteBuffer.wrap(("echo " + StandardCharsets.UTF_8.decode(m)).getBytes(StandardCharsets.UTF_8)));
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
    worker.ready();
  }
}
