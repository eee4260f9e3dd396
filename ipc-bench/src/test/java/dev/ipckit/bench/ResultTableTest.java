package dev.ipckit.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30)
class ResultTableTest {

  private static RowResult row(Row t, double msgsPerSecond, double p50) {
    long messages = (long) msgsPerSecond;
    ThroughputResult tr = new ThroughputResult(64, messages, 1_000_000_000L, 100, messages, 0, true);
    return new RowResult(t, 64, tr, new LatencyResult(1000, p50, p50 * 2, p50 * 3, p50 * 4, p50));
  }

  @Test
  void comparesEachIpckitRowWithItsBaselineOfTheSameSize() {
    ResultTable table = new ResultTable(List.of(row(SocketRow.RAW_UNIX, 1_000_000, 10), row(SocketRow.UNIX, 800_000, 12)));
    String json = table.json();
    assertTrue(json.contains("\"transport\": \"unix\", \"size\": 64, \"msgs_per_s\": 800000.0"), json);
    assertTrue(json.contains("\"baseline\": \"raw-unix\", \"ratio_to_baseline\": 0.8000"), json);
    assertTrue(json.contains("\"rtt_p50_ratio_to_baseline\": 1.2000"), json);
    assertTrue(json.contains("\"baseline\": null, \"ratio_to_baseline\": null"), json);
    for (String field : List.of("mb_per_s", "rtt_p50_us", "rtt_p99_us", "rtt_p999_us")) {
      assertTrue(json.contains("\"" + field + "\": "), field);
    }
    String text = table.text();
    assertTrue(text.contains("0.80") && text.contains("1.20"), text);
  }

  @Test
  void nodeIsComparedWithIpckitFd() {
    ResultTable table = new ResultTable(List.of(row(ChildRow.FD, 2_000_000, 20), row(NodeRow.NODE_IPC, 100_000, 30)));
    assertTrue(table.json().contains("\"transport\": \"node-ipc\"") && table.json().contains(
        "\"baseline\": \"fd\", \"ratio_to_baseline\": 0.0500"), table.json());
    assertTrue(table.text().contains("ipckit fd: over Node's own IPC (msgs/s): 64 B 20.0x"), table.text());
  }

  @Test
  void aBaselineThatMovedNothingGivesNoRatio() {
    ResultTable table = new ResultTable(List.of(row(SocketRow.RAW_TCP, 0, 10), row(SocketRow.TCP, 100, 12)));
    assertTrue(table.json().contains("\"baseline\": \"raw-tcp\", \"ratio_to_baseline\": null"), table.json());
  }

  @Test
  void theChartIsAPngWithABarPerRowAndSize(@TempDir Path dir) throws Exception {
    List<RowResult> rows = List.of(row(SocketRow.RAW_UNIX, 1_000_000, 10), row(SocketRow.UNIX, 800_000, 12));
    Path png = dir.resolve("chart.png");
    new BenchChart(new ResultTable(rows), rows).write(png, "test");
    byte[] head = Arrays.copyOf(Files.readAllBytes(png), 4);
    assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, head);
    assertTrue(Files.size(png) > 10_000, Files.size(png) + " bytes");
    assertEquals(3, new BenchChart(new ResultTable(rows), rows).charts("test").size());
  }

  @Test
  void nodeScriptOutputBecomesARow() throws Exception {
    RowResult r = NodeRow.NODE_IPC.parse(64, "{\"messages\":1000,\"nanos\":1000000000,\"batches\":1000,"
        + "\"total\":3000,\"rtt_count\":50,\"p50_us\":24.5,\"p99_us\":80,\"p999_us\":90.25,\"max_us\":91,"
        + "\"interval_us\":24}\n");
    assertEquals(1000.0, r.throughput().messagesPerSecond(), 1e-9);
    assertEquals(24.5, r.latency().p50());
    assertEquals(90.25, r.latency().p999());
    assertThrows(java.io.IOException.class, () -> NodeRow.NODE_IPC.parse(64, "{\"messages\":1}"));
  }

  @Test
  void theMedianRoundIsReported() {
    List<RowResult> rounds = List.of(row(SocketRow.TCP, 3, 30), row(SocketRow.TCP, 1, 10), row(SocketRow.TCP, 2, 20));
    RowResult m = Medians.of(rounds).get(0);
    assertEquals(2, m.throughput().messages());
    assertEquals(20, m.latency().p50());
  }

  @Test
  void theChecksumCatchesALostMessage() {
    ThroughputResult ok = new ThroughputResult(64, 1000, 1, 1, 1000, ThroughputResult.expectedChecksum(1000), true);
    ok.verified("row");
    ThroughputResult lost = new ThroughputResult(64, 1000, 1, 1, 1000, ThroughputResult.expectedChecksum(999), true);
    assertThrows(IllegalStateException.class, () -> lost.verified("row"));
    assertEquals(-128, ThroughputResult.expectedChecksum(256));
  }
}
