package dev.ipckit.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** A tiny real run: peers in child processes, over a socket and an inherited socketpair. */
class BenchSmokeTest {

  @Test
  @Timeout(90)
  void aTinyRunMeasuresEveryRowAndWritesJsonAndChart(@TempDir Path dir) throws Exception {
    Path json = dir.resolve("bench.json");
    Path chart = dir.resolve("bench.png");
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = new CommandLine(new BenchCommand());
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int code = cl.execute("--transports", "unix,fd", "--sizes", "64", "--warmup", "100ms", "--duration", "200ms",
        "--rtt-warmup", "100", "--rtt-iterations", "300", "--rtt-time", "200ms", "--json", json.toString(),
        "--chart", chart.toString());
    assertEquals(0, code, err.toString());
    String text = Files.readString(json);
    List<String> transports = new ArrayList<>();
    Matcher m = Pattern.compile("\\{\"transport\": \"([a-z-]+)\"[^}]*}").matcher(text);
    while (m.find()) {
      transports.add(m.group(1));
      String record = m.group();
      for (String field : List.of("msgs_per_s", "mb_per_s", "rtt_p50_us", "rtt_p99_us", "rtt_p999_us")) {
        assertTrue(number(record, field) > 0, field + " in " + record);
      }
      assertTrue(number(record, "rtt_p50_us") <= number(record, "rtt_p99_us"), record);
      if (!m.group(1).startsWith("raw-")) {
        assertTrue(number(record, "ratio_to_baseline") > 0, record);
      }
    }
    assertEquals(List.of("raw-unix", "unix", "raw-socketpair", "fd"), transports);
    assertTrue(out.toString().contains("raw-socketpair"), out.toString());
    assertTrue(Files.size(chart) > 10_000, "chart of " + Files.size(chart) + " bytes");
  }

  private static double number(String record, String field) {
    Matcher m = Pattern.compile("\"" + field + "\": ([0-9.eE+-]+)").matcher(record);
    assertTrue(m.find(), "no " + field + " in " + record);
    return Double.parseDouble(m.group(1));
  }
}
