package dev.ipckit.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

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
