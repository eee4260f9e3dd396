package dev.ipckit.redis.session;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * A worker process for {@link SessionProcessTest}: {@code create URI} makes a session and prints
 * its id; {@code update URI ID} reads it and changes it; {@code race URI ID NAME N} waits for "go"
 * on stdin, then increments NAME and the shared counter N times each from 4 threads.
 */
public final class SessionWorker {
  public static void main(String[] args) throws Exception {
    try (SessionStore store = SessionStore.open(args[1])) {
      switch (args[0]) {
        case "create" -> {
          String id = store.create();
          store.set(id, "user", "ada");
          System.out.println("ID " + id);
        }
        case "update" -> {
          String id = args[2];
          String user = store.getString(id, "user").orElse("(none)");
          store.set(id, "seenBy", "pid " + ProcessHandle.current().pid());
          long visits = store.increment(id, "visits", 1);
          System.out.println("READ user=" + user + " visits=" + visits);
        }
        case "race" -> race(store, args[2], args[3], Integer.parseInt(args[4]));
        default -> throw new IllegalArgumentException(args[0]);
      }
    }
  }

  private static void race(SessionStore store, String id, String name, int n) throws Exception {
    System.out.println("READY");
    System.out.flush();
    String go = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
    if (!"go".equals(go)) {
      throw new IllegalStateException("expected go, got " + go);
    }
    int threads = 4;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int share = n / threads + (t < n % threads ? 1 : 0);
        done.add(pool.submit(() -> {
          for (int i = 0; i < share; i++) {
            store.increment(id, name, 1);
            store.increment(id, "shared", 1);
          }
          store.set(id, "last-" + name, "done");
          return null;
        }));
      }
      for (Future<?> f : done) {
        f.get();
      }
    } finally {
      pool.shutdown();
    }
    System.out.println("DONE");
  }
}
