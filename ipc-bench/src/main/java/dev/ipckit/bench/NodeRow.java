package dev.ipckit.bench;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Node.js's own child_process IPC ({@code node-ipc}): a Node parent forks a Node child and they
 * talk with {@code process.send}, measured by {@code node-ipc-bench.js} in the same two phases as
 * the Java rows. Runs when {@code node} is on the PATH. Its baseline is ipckit's {@code fd:} (both
 * are a socketpair to a forked child), so its ratio is Node's throughput over ipckit's.
 */
final class NodeRow extends Row {
  static final NodeRow NODE_IPC = new NodeRow();
  private static final String SCRIPT = "node-ipc-bench.js";
  private static final Pattern FIELD = Pattern.compile("\"(\\w+)\":(-?[0-9.eE+]+)");

  private NodeRow() {
    super("node-ipc", "fd");
  }

  @Override
  Optional<String> unavailability(BenchContext ctx) {
    return node().isPresent() ? Optional.empty() : Optional.of("node is not on the PATH");
  }

  private static Optional<Path> node() {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      Path p = Path.of(dir.isEmpty() ? "." : dir, "node");
      if (Files.isExecutable(p)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }

  @Override
  RowResult measure(Scenario scenario, int size) throws IOException, InterruptedException {
    BenchContext ctx = scenario.context();
    BenchSettings s = ctx.settings();
    Path script = ctx.newPath("node", ".js");
    try (InputStream in = NodeRow.class.getResourceAsStream(SCRIPT)) {
      if (in == null) {
        throw new IOException(SCRIPT + " is missing from the ipc-bench jar");
      }
      Files.copy(in, script);
    }
    List<String> cmd = new ArrayList<>(List.of(node().orElseThrow().toString(), script.toString()));
    for (long v : new long[] {size, s.warmup().toMillis(), s.duration().toMillis(), scenario.sendFor().toMillis(),
        s.rttWarmup(), s.rttWarmupTime().toMillis(), s.rttIterations(), s.rttTime().toMillis()}) {
      cmd.add(Long.toString(v));
    }
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    try (PeerProcess peer = new PeerProcess(p)) {
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      Duration limit = scenario.sendFor().plus(s.rttTime()).plus(Duration.ofSeconds(30));
      if (!p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS) || p.exitValue() != 0) {
        throw new IOException("node-ipc " + Units.size(size) + ": node " + peer.exitDescription()
            + " (output: " + out.strip() + ")");
      }
      return parse(size, out);
    } finally {
      Files.deleteIfExists(script);
    }
  }

  /** The row from the script's JSON line. */
  RowResult parse(int size, String json) throws IOException {
    java.util.Map<String, Double> f = new java.util.HashMap<>();
    Matcher m = FIELD.matcher(json);
    while (m.find()) {
      f.put(m.group(1), Double.parseDouble(m.group(2)));
    }
    for (String k : List.of("messages", "nanos", "batches", "total", "rtt_count", "p50_us", "p99_us", "p999_us",
        "max_us", "interval_us")) {
      if (!f.containsKey(k)) {
        throw new IOException("node-ipc " + Units.size(size) + ": no " + k + " in the script's output: " + json);
      }
    }
    ThroughputResult t = new ThroughputResult(size, f.get("messages").longValue(), f.get("nanos").longValue(),
        f.get("batches").longValue(), f.get("total").longValue(), 0, true);
    LatencyResult l = new LatencyResult(f.get("rtt_count").longValue(), f.get("p50_us"), f.get("p99_us"),
        f.get("p999_us"), f.get("max_us"), f.get("interval_us"));
    return new RowResult(this, size, t, l);
  }

  @Override
  Session start(BenchContext ctx, int size, Duration sendFor) {
    throw new UnsupportedOperationException("node-ipc runs both ends in Node (measure)");
  }

  @Override
  BenchLink peer(String address) {
    throw new UnsupportedOperationException("node-ipc has no Java peer");
  }
}
