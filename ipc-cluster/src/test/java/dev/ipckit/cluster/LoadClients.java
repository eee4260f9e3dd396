package dev.ipckit.cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/** Threads sending requests in a loop until stopped, counting answers, errors and the worker pids that answered. */
final class LoadClients {
  /** One request; its body starts "pid N". */
  @FunctionalInterface
  interface Request {
    Http.Response send() throws Exception;
  }

  final AtomicInteger ok = new AtomicInteger();
  final List<String> errors = new CopyOnWriteArrayList<>();
  final Set<Long> answeredBy = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean stop = new AtomicBoolean();
  private final ExecutorService threads;
  private final List<CompletableFuture<Void>> clients = new ArrayList<>();

  LoadClients(int n, Request request) {
    threads = Executors.newFixedThreadPool(n);
    for (int c = 0; c < n; c++) {
      clients.add(CompletableFuture.runAsync(() -> {
        while (!stop.get()) {
          try {
            Http.Response r = request.send();
            if (r.status() == 200) {
              ok.incrementAndGet();
              answeredBy.add(Long.parseLong(r.body().split(" ")[1].trim()));
            } else {
              errors.add("status " + r.status() + ": " + r.body());
            }
          } catch (Exception e) {
            errors.add(e.toString());
          }
        }
      }, threads));
    }
  }

  /** Stops the clients and waits for their last requests. */
  void stop() throws Exception {
    stop.set(true);
    CompletableFuture.allOf(clients.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
    threads.shutdown();
  }
}
