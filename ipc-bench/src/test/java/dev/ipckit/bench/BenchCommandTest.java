package dev.ipckit.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

@Timeout(30)
class BenchCommandTest {

  private static BenchSettings parse(String... args) {
    BenchCommand command = new BenchCommand();
    new CommandLine(command).parseArgs(args);
    return command.settings();
  }

  /** Runs the command as ./ipc does; returns the exit code, stderr in {@code err}. */
  private static int execute(StringWriter err, String... args) {
    CommandLine cl = new CommandLine(new BenchCommand());
    cl.setErr(new PrintWriter(err));
    cl.setOut(new PrintWriter(new StringWriter()));
    return cl.execute(args);
  }

  @Test
  void defaultsAreEveryRowAtThreeSizes() {
    BenchSettings s = parse();
    assertEquals(Rows.ALL, s.rows());
    assertEquals(List.of(64, 1024, 65536), s.sizes());
    assertEquals(Duration.ofSeconds(1), s.duration());
    assertEquals(Duration.ofMillis(500), s.warmup());
    assertEquals(1, s.rounds());
    assertEquals(BenchCommand.DEFAULT_DIR, s.json().getParent(), "a run leaves its JSON without --json");
    assertEquals(BenchCommand.DEFAULT_DIR, s.chart().getParent(), "and its chart without --chart");
    assertTrue(s.json().getFileName().toString().matches("bench-\\d{4}-\\d{2}-\\d{2}-\\d{6}\\.json"), s.json().toString());
    assertEquals(s.json().getFileName().toString().replace(".json", ".png"), s.chart().getFileName().toString());
  }

  @Test
  void parsesSizesDurationsFilesAndPeerFlags() {
    BenchSettings s = parse("--sizes", "64,1KiB,64k", "--duration=500ms", "--warmup", "2s", "--json", "out.json",
        "--chart", "out.png", "--rounds", "3", "--rtt-iterations", "100", "--redis", "redis://127.0.0.1:7000",
        "--peer-jvm-arg", "-XX:+UseSerialGC", "--peer-jvm-arg=-Xmx64m");
    assertEquals(List.of(64, 1024, 65536), s.sizes());
    assertEquals(Duration.ofMillis(500), s.duration());
    assertEquals(Duration.ofSeconds(2), s.warmup());
    assertEquals(Path.of("out.json"), s.json());
    assertEquals(Path.of("out.png"), s.chart());
    assertEquals(3, s.rounds());
    assertEquals(100, s.rttIterations());
    assertEquals("redis://127.0.0.1:7000", s.redis());
    assertEquals(List.of("-XX:+UseSerialGC", "-Xmx64m"), s.peerJvmArgs());
  }

  @Test
  void anIpckitRowBringsItsBaselineInTheOrderTheyRun() {
    assertEquals(List.of(SocketRow.RAW_TCP, SocketRow.TCP), parse("--transports", "tcp").rows());
    assertEquals(List.of(SocketRow.RAW_UNIX, SocketRow.UNIX, SocketRow.RAW_TCP, SocketRow.TCP),
        parse("-t", "tcp,unix").rows());
    assertEquals(List.of(SocketRow.RAW_UNIX), parse("--transports", "raw-unix").rows());
  }

  @Test
  void badOptionsExitWithTwoAndSayWhatWasWrong() {
    for (String[] args : List.of(new String[] {"--transports", "carrier-pigeon"}, new String[] {"--sizes", "0"},
        new String[] {"--sizes", "32MiB"}, new String[] {"--duration", "soon"}, new String[] {"--duration", "0"},
        new String[] {"--frobnicate"}, new String[] {"--json"}, new String[] {"--rounds", "0"})) {
      StringWriter err = new StringWriter();
      assertEquals(2, execute(err, args), String.join(" ", args));
      assertTrue(err.toString().contains(args[0].replaceAll("=.*", "")) || err.toString().contains(args[args.length - 1]),
          err.toString());
    }
    StringWriter err = new StringWriter();
    execute(err, "--transports", "carrier-pigeon");
    assertTrue(err.toString().contains("known: raw-unix, unix"), err.toString());
  }

  @Test
  void helpListsTheRows() {
    String usage = new CommandLine(new BenchCommand()).getUsageMessage();
    assertTrue(usage.contains("--transports") && usage.contains("raw-tcp, tcp"), usage);
  }
}
