package dev.ipckit.examples;

import dev.ipckit.cluster.Supervisor;
import dev.ipckit.redis.LocalRedis;
import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * A clustered HTTP service whose workers share sessions in Redis: log in on one worker, and the
 * next request, answered by another, sees the session.
 *
 * <pre>
 * java -cp "$(cat ipc-examples/target/classpath.txt):ipc-examples/target/classes" \
 *     dev.ipckit.examples.SessionCluster [PORT [WORKERS]]
 * </pre>
 * It uses the Redis in {@code REDIS_URL}, else starts a {@code redis-server} of its own (stopped
 * when it exits). SIGTERM or Ctrl-C stops it gracefully, SIGHUP reloads the workers.
 */
public final class SessionCluster {
  private SessionCluster() {}

  public static void main(String[] args) throws IOException {
    int port = args.length > 0 ? Integer.parseInt(args[0]) : 8080;
    int workers = args.length > 1 ? Integer.parseInt(args[1]) : Runtime.getRuntime().availableProcessors();
    String url = System.getenv("REDIS_URL");
    LocalRedis redis = url == null ? LocalRedis.startNew() : null;
    String redisUri = url != null ? url : redis.uri();
    Supervisor supervisor = Supervisor.builder(SessionWorker.class).workers(workers)
        .listen(new InetSocketAddress("127.0.0.1", port)).env(SessionWorker.REDIS_ENV, redisUri).build();
    supervisor.onEvent(e -> System.out.println("cluster: " + e));
    System.out.println("cluster: sessions in " + (redis != null ? redis.description() : "REDIS_URL"));
    int code;
    try {
      code = supervisor.runUntilSignalled();
    } finally {
      if (redis != null) {
        redis.close();
      }
    }
    System.exit(code);
  }
}
