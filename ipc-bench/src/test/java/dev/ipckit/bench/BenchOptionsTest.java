package dev.ipckit.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class BenchOptionsTest {

  @Test
  void defaultsAreTheFourRowsInterleavedAtTwoSizes() {
    BenchOptions o = BenchOptions.parse();
    assertEquals(List.of(Target.RAW_UNIX, Target.UNIX, Target.RAW_TCP, Target.TCP), o.targets());
    assertEquals(List.of(64, 1024), o.sizes());
    assertEquals(Duration.ofSeconds(3), o.duration());
    assertEquals(1, o.rounds());
  }

  @Test
  void parsesSizesDurationsAndJson() {
    BenchOptions o = BenchOptions.parse("--sizes", "64,1KiB,64k", "--duration=500ms", "--json", "out.json",
        "--rounds", "3");
    assertEquals(List.of(64, 1024, 65536), o.sizes());
    assertEquals(Duration.ofMillis(500), o.duration());
    assertEquals(Path.of("out.json"), o.json());
    assertEquals(3, o.rounds());
  }

  @Test
  void anIpckitTransportBringsItsBaselineInTheInterleavedOrder() {
    assertEquals(List.of(Target.RAW_TCP, Target.TCP), BenchOptions.parse("--transports", "tcp").targets());
    assertEquals(List.of(Target.RAW_UNIX, Target.UNIX, Target.RAW_TCP, Target.TCP),
        BenchOptions.parse("--transports", "tcp,unix").targets());
    assertEquals(List.of(Target.RAW_UNIX), BenchOptions.parse("--transports", "raw-unix").targets());
  }

  @Test
  void refusesWhatItCannotRun() {
    assertThrows(IllegalArgumentException.class, () -> BenchOptions.parse("--transports", "pipe"));
    assertThrows(IllegalArgumentException.class, () -> BenchOptions.parse("--sizes", "0"));
    assertThrows(IllegalArgumentException.class, () -> BenchOptions.parse("--sizes", "32MiB"));
    assertThrows(IllegalArgumentException.class, () -> BenchOptions.parse("--duration", "soon"));
    assertThrows(IllegalArgumentException.class, () -> BenchOptions.parse("--frobnicate", "1"));
    assertThrows(IllegalArgumentException.class, () -> BenchOptions.parse("--json"));
  }
}
