package dev.ipckit.pipe;

import dev.ipckit.ChannelOptions;
import dev.ipckit.ChannelUri;
import dev.ipckit.Channels;
import dev.ipckit.InvalidChannelUriException;
import dev.ipckit.pipe.internal.Fds;
import dev.ipckit.pipe.internal.Junix;
import dev.ipckit.pipe.internal.LibC;
import dev.ipckit.pipe.internal.PosixSpawner;
import dev.ipckit.stream.Framing;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Starts a child process with a channel to it, the way Node's {@code child_process} does:
 * {@link #java} forks a Java main class (this JVM's {@code java}, class path and flags),
 * {@link #command} runs any program. Each is a builder; {@link #start()} returns the
 * {@link ChildProcess}.
 *
 * <pre>{@code
 * try (ChildProcess worker = Spawn.java(Worker.class, "--id", "1").start()) {
 *   Channel ch = worker.channel();            // the worker calls Channels.fromEnvironment()
 *   ch.send(ByteBuffer.wrap(job));
 *   ByteBuffer result = ch.receive(Duration.ofSeconds(5));
 * }
 * }</pre>
 *
 * <p>The child is started with {@code posix_spawnp}: it gets stdin, stdout and stderr as asked
 * ({@link Stdio}), its end of the channel, and no other descriptor of this process. The channel
 * is chosen by {@link #channel(String)}: {@code fd} (the default of {@link #java}) is a
 * socketpair on the child's descriptor 3 with {@code IPCKIT_CHANNEL=fd:3} in its environment;
 * {@code none} (the default of {@link #command}) gives it none. Either way the child finds its
 * channel with one call, {@code Channels.fromEnvironment()}.
 *
 * <p>A child that opened its channel exits by itself (code {@value #ORPHANED_EXIT_CODE}) when this
 * process dies, even by SIGKILL: no orphans. {@link #detached(boolean)} children (a new session,
 * stdio ignored, daemons) survive the parent.
 *
 * <p>Not thread-safe: one thread configures a Spawn; {@link #start()} may be called many times.
 */
public final class Spawn {
  /** The exit code of a child that ended because its parent was gone. */
  public static final int ORPHANED_EXIT_CODE = 69;

  private final List<String> command;
  private final String mainClass;
  private List<String> jvmArgs;
  private String classPath;
  private Path directory;
  private final Map<String, String> environment = inheritedEnvironment();
  private final Stdio[] stdio = {null, null, null};
  private final Path[] appendTo = {null, null, null};
  private String channel;
  private Duration timeout;
  private Signal killSignal = Signal.TERM;
  private boolean detached;
  private boolean processGroup;
  private Boolean exitWithParent;

  private Spawn(List<String> command, String mainClass, String channel) {
    this.command = command;
    this.mainClass = mainClass;
    this.channel = channel;
  }

  /** Runs {@code command} (found in PATH unless it contains a '/') with {@code args}; no channel by default. */
  public static Spawn command(String command, String... args) {
    List<String> argv = new ArrayList<>();
    argv.add(command);
    argv.addAll(Arrays.asList(args));
    return command(argv);
  }

  /** Runs {@code argv.get(0)} with the rest as its arguments; no channel by default. */
  public static Spawn command(List<String> argv) {
    if (argv.isEmpty() || argv.get(0).isEmpty()) {
      throw new IllegalArgumentException("no command given");
    }
    return new Spawn(List.copyOf(argv), null, "none");
  }

  /**
   * Runs {@code node script args...} with Node's own IPC channel ({@code channel("fd?framing=ndjson")}):
   * the script talks with {@code process.send()} and {@code process.on('message')}, each message
   * one JSON value (see {@link Framing#NDJSON}).
   */
  public static Spawn node(String script, String... args) {
    List<String> argv = new ArrayList<>();
    argv.add("node");
    argv.add(script);
    argv.addAll(Arrays.asList(args));
    return new Spawn(List.copyOf(argv), null, "fd?framing=ndjson");
  }

  /** Forks {@code main} in a new JVM, with a channel on fd: by default (Node's {@code fork}). */
  public static Spawn java(Class<?> main, String... args) {
    return java(main.getName(), args);
  }

  /** Forks the main class named {@code mainClass} in a new JVM, with a channel on fd: by default. */
  public static Spawn java(String mainClass, String... args) {
    return new Spawn(List.of(args), mainClass, "fd");
  }

  /**
   * The JVM's flags for {@link #java} children, replacing this JVM's own (which are the default,
   * less debugger agents and {@code -Dipckit.channel}).
   */
  public Spawn jvmArgs(String... flags) {
    this.jvmArgs = List.of(flags);
    return this;
  }

  /** The class path of {@link #java} children (default: this JVM's {@code java.class.path}). */
  public Spawn classPath(String classPath) {
    this.classPath = classPath;
    return this;
  }

  /** The child's working directory (default: this process's). */
  public Spawn directory(Path directory) {
    this.directory = directory;
    return this;
  }

  /**
   * This process's environment less the variables naming its own channel: a child must not open
   * its parent's channel. A channel variable set with {@link #env} is kept (a child with
   * {@code channel("none")} can be told to connect to a server, {@code IPCKIT_CHANNEL=unix:///...}).
   */
  private static Map<String, String> inheritedEnvironment() {
    Map<String, String> env = new LinkedHashMap<>(System.getenv());
    env.remove(Channels.ENV);
    env.remove("NODE_CHANNEL_FD");
    env.remove("NODE_CHANNEL_SERIALIZATION_MODE");
    return env;
  }

  /** Sets a variable in the child's environment (which starts as this process's). */
  public Spawn env(String name, String value) {
    environment.put(name, value);
    return this;
  }

  /** Removes a variable from the child's environment. */
  public Spawn unsetEnv(String name) {
    environment.remove(name);
    return this;
  }

  /** Starts the child with an empty environment (then add to it with {@link #env}). */
  public Spawn clearEnv() {
    environment.clear();
    return this;
  }

  public Spawn stdin(Stdio s) {
    stdio[0] = s;
    return this;
  }

  public Spawn stdout(Stdio s) {
    stdio[1] = s;
    appendTo[1] = null;
    return this;
  }

  public Spawn stderr(Stdio s) {
    stdio[2] = s;
    appendTo[2] = null;
    return this;
  }

  /** The same for stdin, stdout and stderr. */
  public Spawn stdio(Stdio s) {
    Arrays.fill(stdio, s);
    Arrays.fill(appendTo, null);
    return this;
  }

  /** Appends the child's stdout to {@code file} (created if missing; the child opens it). */
  public Spawn stdoutTo(Path file) {
    stdio[1] = Stdio.INHERIT;
    appendTo[1] = file;
    return this;
  }

  /** Appends the child's stderr to {@code file} (created if missing; the child opens it). */
  public Spawn stderrTo(Path file) {
    stdio[2] = Stdio.INHERIT;
    appendTo[2] = file;
    return this;
  }

  /**
   * The channel to the child: {@code "fd"} (a socketpair on the child's fd 3), {@code "pipe"} (its
   * stdin and stdout, see {@link PipeTransport}), or {@code "none"}, optionally with options for
   * both ends after a '?': {@code "fd?maxMessage=1MiB"}.
   */
  public Spawn channel(String spec) {
    this.channel = spec;
    return this;
  }

  /** Sends {@link #killSignal(Signal)} (SIGTERM unless told) to a child still running after {@code timeout}. */
  public Spawn timeout(Duration timeout) {
    this.timeout = timeout;
    return this;
  }

  public Spawn killSignal(Signal signal) {
    this.killSignal = signal;
    return this;
  }

  /**
   * A detached child runs in a session of its own (no controlling terminal, out of this process
   * group), has its stdio on /dev/null unless told otherwise, and outlives this process: the
   * daemon of Node's {@code detached: true}.
   */
  public Spawn detached(boolean detached) {
    this.detached = detached;
    return this;
  }

  /**
   * Starts the child as the leader of a new process group, so that {@link ChildProcess#kill}
   * signals it and every process it started (the whole tree).
   */
  public Spawn processGroup(boolean processGroup) {
    this.processGroup = processGroup;
    return this;
  }

  /**
   * Whether a child with a channel exits when this process dies (default: true, false for a
   * detached child). It watches through the channel, so it must have opened it.
   */
  public Spawn exitWithParent(boolean exit) {
    this.exitWithParent = exit;
    return this;
  }

  /** Starts the child. */
  public ChildProcess start() throws IOException {
    Native.ensureCanSpawn();
    List<String> argv = argv();
    String description = description(argv);
    if (directory != null && !Files.isDirectory(directory)) {
      throw new SpawnException("cannot start " + description + " in " + directory + ": no such directory");
    }
    ChildChannel plan = plan();
    List<PosixSpawner.FdSpec> fds = new ArrayList<>();
    List<Integer> childEnds = new ArrayList<>();
    int[] parentEnds = {-1, -1, -1};
    Map<String, String> env = new LinkedHashMap<>(environment); // the channel's plan overrides below
    int pid;
    java.util.Set<Integer> taken = new java.util.HashSet<>();
    if (plan != null) {
      plan.childFds().forEach(f -> taken.add(f.target()));
    }
    try {
      for (int i = 0; i < 3; i++) {
        if (taken.contains(i)) {
          continue; // the channel's
        }
        Stdio s = stdio[i] != null ? stdio[i] : detached ? Stdio.IGNORE : Stdio.INHERIT;
        if (appendTo[i] != null) {
          fds.add(new PosixSpawner.AppendTo(i, appendTo[i].toAbsolutePath()));
        } else if (s == Stdio.PIPE) {
          int[] p = Fds.pipe();
          int childEnd = i == 0 ? p[0] : p[1];
          parentEnds[i] = i == 0 ? p[1] : p[0];
          childEnds.add(childEnd);
          fds.add(new PosixSpawner.Dup(i, childEnd));
        } else if (s == Stdio.IGNORE) {
          fds.add(new PosixSpawner.DevNull(i, i != 0));
        }
      }
      if (plan != null) {
        fds.addAll(plan.childFds());
        env.putAll(plan.childEnvironment());
      }
      pid = PosixSpawner.spawn(new PosixSpawner.Request(argv, env, directory, fds, detached, processGroup));
    } catch (IOException | RuntimeException e) {
      childEnds.forEach(Fds::close);
      Fds.closeAll(parentEnds);
      if (plan != null) {
        plan.abort();
      }
      if (e instanceof SpawnException s) {
        throw new SpawnException(s.getMessage() + (mainClass != null ? " (forking " + description + ")" : ""), s);
      }
      throw e;
    }
    childEnds.forEach(Fds::close);
    Reaper reaper = new Reaper(pid, "child " + pid + " (" + description + ")");
    reaper.start();
    ChildProcess child = new ChildProcess(pid, argv, description, reaper, processGroup && !detached,
        parentEnds[0] >= 0 ? (OutputStream) Junix.outputStream(parentEnds[0]) : null,
        parentEnds[1] >= 0 ? Junix.inputStream(parentEnds[1]) : null,
        parentEnds[2] >= 0 ? Junix.inputStream(parentEnds[2]) : null);
    if (plan != null) {
      try {
        child.attach(plan, plan.open(child));
      } catch (IOException | RuntimeException e) {
        plan.abort();
        child.destroyForcibly();
        throw e;
      }
    }
    if (timeout != null) {
      Signal s = killSignal;
      CompletableFuture.delayedExecutor(timeout.toNanos(), TimeUnit.NANOSECONDS).execute(() -> child.kill(s));
    }
    return child;
  }

  private ChildChannel plan() throws IOException {
    String spec = channel == null ? "none" : channel.trim();
    int q = spec.indexOf('?');
    String kind = (q < 0 ? spec : spec.substring(0, q)).toLowerCase(Locale.ROOT);
    if (kind.endsWith(":")) {
      kind = kind.substring(0, kind.length() - 1);
    }
    String query = q < 0 ? "" : spec.substring(q + 1);
    boolean exitWith = exitWithParent != null ? exitWithParent : !detached;
    long parentPid = exitWith ? LibC.getpid() : -1;
    switch (kind) {
      case "none", "" -> {
        return null;
      }
      case "fd", "pipe" -> {
        String base = kind.equals("fd") ? "fd:" + FdChildChannel.CHILD_FD : "pipe:";
        ChannelUri uri = ChannelUri.parse(base + (query.isEmpty() ? "" : "?" + query));
        Channels.provider(uri); // refuses options the transport does not know
        if (uri.options().containsKey("parentPid")) {
          throw new InvalidChannelUriException(spec, "parentPid is set by Spawn; use exitWithParent(boolean)");
        }
        ChannelOptions options = ChannelOptions.from(uri);
        Framing framing = Framing.of(uri);
        if (kind.equals("fd")) {
          return new FdChildChannel(query, options, framing, parentPid);
        }
        if (stdio[0] != null || stdio[1] != null) {
          throw new IllegalStateException("a child with a pipe: channel has it on its stdin and stdout; "
              + "set only stderr, or use channel(\"fd\")");
        }
        return new PipeChildChannel(query, options, framing, parentPid);
      }
      default -> throw new InvalidChannelUriException(spec, "unknown channel kind '" + kind
          + "' for a child; expected fd, pipe or none");
    }
  }

  private List<String> argv() throws IOException {
    if (mainClass == null) {
      return command;
    }
    String cp = classPath != null ? classPath : System.getProperty("java.class.path", "");
    checkMainClass(cp);
    List<String> argv = new ArrayList<>();
    argv.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    argv.addAll(jvmArgs != null ? jvmArgs : inheritedJvmArgs());
    argv.add("-cp");
    argv.add(cp);
    argv.add(mainClass);
    argv.addAll(command);
    return argv;
  }

  /** This JVM's flags, less those a child must not repeat. */
  private static List<String> inheritedJvmArgs() {
    List<String> out = new ArrayList<>();
    for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (a.startsWith("-agentlib:jdwp") || a.startsWith("-Xrunjdwp") || a.equals("-Xdebug")
          || a.startsWith("-D" + Channels.PROPERTY + "=")) {
        continue;
      }
      out.add(a);
    }
    return out;
  }

  /** Fails before anything starts when the main class is not on the class path. */
  private void checkMainClass(String cp) throws SpawnException {
    if (!mainClass.matches("[\\p{L}_$][\\p{L}\\p{N}_$]*(\\.[\\p{L}_$][\\p{L}\\p{N}_$]*)*")) {
      throw new SpawnException("cannot fork '" + mainClass + "': not a Java class name");
    }
    List<URL> urls = new ArrayList<>();
    for (String entry : cp.split(File.pathSeparator)) {
      if (entry.isEmpty() || entry.endsWith("*")) {
        return; // wildcards are expanded by the launcher; let it decide
      }
      try {
        urls.add(Path.of(entry).toUri().toURL());
      } catch (MalformedURLException | RuntimeException e) {
        return;
      }
    }
    String resource = mainClass.replace('.', '/') + ".class";
    boolean found;
    try (URLClassLoader loader = new URLClassLoader(urls.toArray(new URL[0]), null)) {
      found = loader.getResource(resource) != null;
    } catch (IOException e) {
      return; // cannot tell; the child JVM will say
    }
    if (!found) {
      throw new SpawnException("cannot fork " + mainClass + ": main class not found on the class path ("
          + (cp.length() > 300 ? cp.substring(0, 300) + "..." : cp) + ")");
    }
  }

  private String description(List<String> argv) {
    if (mainClass != null) {
      StringBuilder sb = new StringBuilder("java ").append(mainClass);
      command.forEach(a -> sb.append(' ').append(a));
      return shorten(sb.toString());
    }
    return shorten(String.join(" ", argv));
  }

  private static String shorten(String s) {
    return s.length() > 160 ? s.substring(0, 157) + "..." : s;
  }
}
