package dev.ipckit.cluster;

import static org.junit.jupiter.api.Assertions.fail;

import dev.ipckit.pipe.ChildProcess;
import dev.ipckit.pipe.ExitStatus;
import dev.ipckit.pipe.Signal;
import dev.ipckit.pipe.Spawn;
import dev.ipckit.pipe.Stdio;
import dev.ipckit.tests.ChildJvm;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A supervisor in a process of its own ({@link ClusterMain} running {@link HttpWorkerMain}, or any
 * program that prints its events as "cluster: " lines), so that the signals a test sends are
 * real; its "cluster: " lines are collected, and its log (with its workers' output) is kept under
 * target/child-logs. (Shared with ipc-examples' tests through this module's test jar.)
 */
public final class ClusterProcess implements AutoCloseable {
  /** Flags for a small, quickly started supervisor JVM (its workers inherit them unless told otherwise). */
  public static final String[] SMALL_JVM = {"-Xmx64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"};
  private static final Pattern STARTED = Pattern.compile("worker \\d+ \\(pid (\\d+)\\) started");

  public final ChildProcess process;
  public final Set<Long> pids = ConcurrentHashMap.newKeySet();
  private final List<String> lines = new CopyOnWriteArrayList<>();
  private final File log;
  private final Set<Long> before; // descendants of the test that were there first (a Redis)

  private ClusterProcess(ChildProcess process, File log, Set<Long> before) {
    this.before = before;
    this.process = process;
    this.log = log;
    pids.add(process.pid());
    Thread reader = new Thread(this::read, "cluster-test-reader " + process.pid());
    reader.setDaemon(true);
    reader.start();
  }

  /** Starts HTTP workers on a free port under a supervisor with {@code options} (ClusterMain's). */
  public static ClusterProcess start(String... options) throws IOException {
    List<String> argv = new ArrayList<>(List.of("--listen", "127.0.0.1:0"));
    argv.addAll(List.of(options));
    for (String flag : new String[] {"-Xmx64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k"}) {
      argv.add("--jvm-arg");
      argv.add(flag);
    }
    argv.add(HttpWorkerMain.class.getName());
    return run(Spawn.java(ClusterMain.class, argv.toArray(String[]::new)).jvmArgs(SMALL_JVM), ClusterMain.class);
  }

  /** Runs {@code program} (a Spawn of {@code main}), reading its "cluster: " lines. */
  public static ClusterProcess run(Spawn program, Class<?> main) throws IOException {
    File log = ChildJvm.newLogFile(main);
    Set<Long> before = ProcessHandle.current().descendants().map(ProcessHandle::pid).collect(java.util.stream.Collectors.toSet());
    ChildProcess p = program.channel("none").stdout(Stdio.PIPE).stderrTo(log.toPath()).start();
    return new ClusterProcess(p, log, before);
  }

  private void read() {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
         PrintWriter out = new PrintWriter(new java.io.FileWriter(log, StandardCharsets.UTF_8, true), true)) {
      String line;
      while ((line = in.readLine()) != null) {
        out.println(line);
        if (line.startsWith("cluster: ")) {
          Matcher m = STARTED.matcher(line);
          if (m.find()) {
            pids.add(Long.parseLong(m.group(1)));
          }
          lines.add(line.substring(9));
        }
      }
    } catch (IOException e) {
      // the supervisor is gone
    }
  }

  /** Waits for the first line from {@code from} on that matches {@code regex}; its match. */
  public Matcher await(String regex, int from, Duration timeout) throws InterruptedException {
    Pattern p = Pattern.compile(regex);
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      for (int i = from; i < lines.size(); i++) {
        Matcher m = p.matcher(lines.get(i));
        if (m.find()) {
          return m;
        }
      }
      if (System.nanoTime() > deadline) {
        fail("the supervisor did not say /" + regex + "/ within " + timeout.toSeconds() + " s; it said:\n  "
            + String.join("\n  ", lines) + "\n(log: " + log + ")");
      }
      Thread.sleep(20);
    }
  }

  public Matcher await(String regex) throws InterruptedException {
    return await(regex, 0, Duration.ofSeconds(60));
  }

  /** How many lines the supervisor has said so far (to wait for what comes after). */
  public int said() {
    return lines.size();
  }

  public List<String> lines() {
    return lines;
  }

  public int port() throws InterruptedException {
    return Integer.parseInt(await("listening on 127\\.0\\.0\\.1:(\\d+)").group(1));
  }

  /** The pids of the workers that said they were ready, in order. */
  public List<Long> readyPids() {
    List<Long> out = new ArrayList<>();
    Pattern ready = Pattern.compile("worker \\d+ \\(pid (\\d+)\\) ready");
    for (String l : lines) {
      Matcher m = ready.matcher(l);
      if (m.find()) {
        out.add(Long.parseLong(m.group(1)));
      }
    }
    return out;
  }

  public void signal(Signal s) {
    process.kill(s);
  }

  public ExitStatus awaitExit(Duration timeout) throws Exception {
    return process.exit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Kills the supervisor if it still runs, then checks that it and every worker it started are gone. */
  @Override
  public void close() throws Exception {
    if (process.isAlive()) {
      process.kill(Signal.KILL);
    }
    process.exit().get(20, TimeUnit.SECONDS);
    process.close();
    Strays.assertAllGone(pids, before);
  }
}
