package dev.ipckit.cluster;

import dev.ipckit.cluster.internal.HostPort;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Runs a {@link Supervisor} from the command line, PM2's {@code start -i N} for a Java main class
 * on the class path; it prints one line per {@link ClusterEvent} ("cluster: ...") and exits with
 * {@link Supervisor#runUntilSignalled()}'s code.
 *
 * <pre>
 * java -cp APP_CLASSPATH dev.ipckit.cluster.ClusterMain [options] WORKER_MAIN_CLASS [worker args...]
 *   --workers N               how many workers (default: the CPU count)
 *   --listen HOST:PORT        the port the workers accept on (port 0: a free one)
 *   --reuse-port              each worker binds the port with SO_REUSEPORT (default: one shared socket)
 *   --transport SPEC          the channel to each worker: fd (default), pipe, unix, tcp, or a URI
 *                             the supervisor listens on (unix:///run/app/sup.sock, tcp://127.0.0.1:0)
 *   --ready-timeout D         how long a worker has to be ready (default 30s)
 *   --shutdown-timeout D      how long workers have to finish in-flight work (default 10s)
 *   --restart-delay D         first restart delay (default 100ms)
 *   --restart-factor F        backoff factor (default 1.5)
 *   --restart-max D           longest restart delay (default 15s)
 *   --stable-after D          a run this long resets the backoff (default 30s)
 *   --crash-loop N/D          give up after more than N unexpected exits within D (default 10/60s)
 *   --jvm-arg FLAG            a JVM flag for the workers (repeat it; default: this JVM's flags)
 * </pre>
 * Durations are written {@code 250ms}, {@code 10s} or {@code 2m}. SIGTERM or SIGINT stops the
 * cluster gracefully (a second one forces it), SIGHUP reloads it.
 */
public final class ClusterMain {
  private ClusterMain() {}

  public static void main(String[] argv) throws IOException {
    Supervisor supervisor;
    try {
      supervisor = parse(argv);
    } catch (IllegalArgumentException e) {
      System.err.println("ClusterMain: " + e.getMessage());
      System.exit(2);
      return;
    }
    supervisor.onEvent(e -> say(e.toString()));
    supervisor.onMessage((from, m) -> say("message from " + from + ": " + StandardCharsets.UTF_8.decode(m)));
    int code = supervisor.runUntilSignalled();
    say("exit " + code);
    System.exit(code);
  }

  private static void say(String line) {
    synchronized (System.out) {
      System.out.println("cluster: " + line);
      System.out.flush();
    }
  }

  static Supervisor parse(String[] argv) {
    List<String> args = new ArrayList<>(Arrays.asList(argv));
    RestartPolicy policy = RestartPolicy.PM2;
    Integer workers = null;
    InetSocketAddress listen = null;
    ListenMode mode = ListenMode.SHARED;
    String transport = "fd";
    Duration ready = null;
    Duration shutdown = null;
    List<String> jvmArgs = new ArrayList<>();
    while (!args.isEmpty() && args.get(0).startsWith("--")) {
      String opt = args.remove(0);
      if (opt.equals("--reuse-port")) {
        mode = ListenMode.REUSE_PORT;
        continue;
      }
      if (args.isEmpty()) {
        throw new IllegalArgumentException(opt + " needs a value");
      }
      String v = args.remove(0);
      switch (opt) {
        case "--workers" -> workers = Integer.parseInt(v);
        case "--listen" -> listen = HostPort.parse(v);
        case "--transport" -> transport = v;
        case "--ready-timeout" -> ready = duration(v);
        case "--shutdown-timeout" -> shutdown = duration(v);
        case "--restart-delay" -> policy = policy.withDelays(duration(v), policy.factor(), policy.maxDelay());
        case "--restart-factor" -> policy = policy.withDelays(policy.initialDelay(), Double.parseDouble(v),
            policy.maxDelay());
        case "--restart-max" -> policy = policy.withDelays(policy.initialDelay(), policy.factor(), duration(v));
        case "--stable-after" -> policy = policy.withStableAfter(duration(v));
        case "--crash-loop" -> {
          String[] nd = v.split("/");
          if (nd.length != 2) {
            throw new IllegalArgumentException("--crash-loop takes N/DURATION (10/60s), not " + v);
          }
          policy = policy.withCrashLoop(Integer.parseInt(nd[0]), duration(nd[1]));
        }
        case "--jvm-arg" -> jvmArgs.add(v);
        default -> throw new IllegalArgumentException("unknown option " + opt);
      }
    }
    if (args.isEmpty()) {
      throw new IllegalArgumentException("no worker main class given; usage: ClusterMain [options] MAIN_CLASS [args...]");
    }
    Supervisor.Builder b = Supervisor.builder(args.get(0), args.subList(1, args.size()).toArray(String[]::new))
        .transport(transport).listenMode(mode).restartPolicy(policy);
    if (workers != null) {
      b.workers(workers);
    }
    if (listen != null) {
      b.listen(listen);
    }
    if (ready != null) {
      b.readyTimeout(ready);
    }
    if (shutdown != null) {
      b.shutdownTimeout(shutdown);
    }
    if (!jvmArgs.isEmpty()) {
      b.jvmArgs(jvmArgs.toArray(String[]::new));
    }
    return b.build();
  }

  /** "250ms", "10s", "2m". */
  static Duration duration(String s) {
    String t = s.trim().toLowerCase(Locale.ROOT);
    try {
      if (t.endsWith("ms")) {
        return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
      }
      if (t.endsWith("s")) {
        return Duration.ofMillis((long) (Double.parseDouble(t.substring(0, t.length() - 1)) * 1000));
      }
      if (t.endsWith("m")) {
        return Duration.ofSeconds(Long.parseLong(t.substring(0, t.length() - 1)) * 60);
      }
    } catch (NumberFormatException e) {
      // said below
    }
    throw new IllegalArgumentException("bad duration '" + s + "': write 250ms, 10s or 2m");
  }
}
