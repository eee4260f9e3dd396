package dev.ipckit.bench;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.ToDoubleFunction;
import javax.imageio.ImageIO;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.CategorySeries;
import org.knowm.xchart.style.CategoryStyler;
import org.knowm.xchart.style.Styler;

/**
 * The {@code --chart} PNG, drawn with XChart: one-way throughput (msgs/s, log scale), each ipckit
 * row's throughput over its baseline's (with the 0.8x target), and the median round trip (us, log
 * scale); one bar per row and message size.
 */
final class BenchChart {
  private static final int WIDTH = 1200;
  private static final int HEIGHT = 430;

  private final ResultTable table;
  private final List<RowResult> rows;

  BenchChart(ResultTable table, List<RowResult> rows) {
    this.table = table;
    this.rows = rows;
  }

  /** The three charts, top to bottom. */
  List<CategoryChart> charts(String subtitle) {
    List<String> labels = labels(rows);
    List<CategoryChart> charts = new ArrayList<>();
    charts.add(chart("One-way throughput, msgs/s (log scale; " + subtitle + ")", "msgs/s", true, labels,
        r -> r.throughput().messagesPerSecond()));
    List<String> compared = labels(rows.stream().filter(r -> r.row().baseline() != null).toList());
    CategoryChart ratio = chart("Throughput over the row's baseline (higher is better; node-ipc: Node over "
        + "ipckit fd:)", "x baseline", false, compared, r -> {
          Double v = ResultTable.throughputRatio(r, table.baselineOf(r));
          return v == null ? Double.NaN : v;
        });
    List<Double> target = compared.stream().map(l -> 0.8).toList();
    CategorySeries line = ratio.addSeries("0.8x target", compared, target);
    line.setChartCategorySeriesRenderStyle(org.knowm.xchart.CategorySeries.CategorySeriesRenderStyle.Line);
    line.setLineColor(Color.RED);
    line.setMarkerColor(Color.RED);
    charts.add(ratio);
    charts.add(chart("Round trip p50, us (log scale; corrected for coordinated omission)", "us", true, labels,
        r -> r.latency().p50()));
    return charts;
  }

  /** Writes the charts stacked in one PNG at {@code file}. */
  void write(Path file, String subtitle) throws IOException {
    List<CategoryChart> charts = charts(subtitle);
    BufferedImage image = new BufferedImage(WIDTH, HEIGHT * charts.size(), BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
      for (int i = 0; i < charts.size(); i++) {
        Graphics2D part = (Graphics2D) g.create(0, i * HEIGHT, WIDTH, HEIGHT);
        charts.get(i).paint(part, WIDTH, HEIGHT);
        part.dispose();
      }
    } finally {
      g.dispose();
    }
    if (!ImageIO.write(image, "png", file.toFile())) {
      throw new IOException("no PNG writer in this JVM for " + file);
    }
  }

  private CategoryChart chart(String title, String yTitle, boolean log, List<String> labels,
      ToDoubleFunction<RowResult> value) {
    CategoryChart c = new CategoryChartBuilder().width(WIDTH).height(HEIGHT).title(title).yAxisTitle(yTitle).build();
    CategoryStyler s = c.getStyler();
    s.setLegendPosition(Styler.LegendPosition.InsideNE);
    s.setChartBackgroundColor(Color.WHITE);
    c.getStyler().setYAxisLogarithmic(log);
    c.getStyler().setXAxisLabelRotation(30);
    c.getStyler().setAvailableSpaceFill(0.8);
    c.getStyler().setYAxisDecimalPattern(log ? "#,###.##" : "0.0#");
    Set<Integer> sizes = new LinkedHashSet<>();
    rows.forEach(r -> sizes.add(r.size()));
    double min = Double.MAX_VALUE;
    double max = 0;
    for (int size : sizes) {
      List<Double> ys = new ArrayList<>();
      for (String label : labels) {
        double v = Double.NaN;
        for (RowResult r : rows) {
          if (r.size() == size && r.row().label().equals(label)) {
            v = value.applyAsDouble(r);
          }
        }
        // a bar XChart cannot draw (missing, or zero on a log axis) is left out
        boolean drawable = !Double.isNaN(v) && !(log && v <= 0);
        ys.add(drawable ? v : null);
        if (drawable) {
          min = Math.min(min, v);
          max = Math.max(max, v);
        }
      }
      c.addSeries(Units.size(size), labels, ys);
    }
    if (log && max > 0) {
      // bars start at zero unless told, which a log axis cannot show: start a decade below the least
      c.getStyler().setYAxisMin(Math.pow(10, Math.floor(Math.log10(min))));
      c.getStyler().setYAxisMax(Math.pow(10, Math.ceil(Math.log10(max))));
    }
    return c;
  }

  private static List<String> labels(List<RowResult> rows) {
    Set<String> labels = new LinkedHashSet<>();
    rows.forEach(r -> labels.add(r.row().label()));
    return List.copyOf(labels);
  }
}
