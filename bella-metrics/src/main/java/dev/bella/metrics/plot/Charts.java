/*
 * Copyright 2026 The Bella developers
 *
 * Licensed under the Apache License, Version 2.0 (the "License"); you may not use this file except
 * in compliance with the License. You may obtain a copy of the License at
 *
 *     http://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software distributed under the License
 * is distributed on an "AS IS" BASIS, WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express
 * or implied. See the License for the specific language governing permissions and limitations under
 * the License.
 */
package dev.bella.metrics.plot;

import dev.bella.metrics.ReliabilityDiagram;
import dev.bella.metrics.io.AtomicFiles;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.CategorySeries;
import org.knowm.xchart.VectorGraphicsEncoder;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** The XChart code, loaded only after {@link MetricsPlots} has checked that XChart is present. */
final class Charts {

    private static final Color BLUE = new Color(31, 119, 180);
    private static final Color ORANGE = new Color(255, 127, 14, 170);
    private static final Color GREY = new Color(90, 90, 90);

    private Charts() {}

    static CategoryChart reliability(ReliabilityDiagram d) {
        List<ReliabilityDiagram.Bin> bins = d.bins();
        CategoryChart chart =
                new CategoryChartBuilder()
                        .width(720)
                        .height(560)
                        .title(
                                String.format(
                                        Locale.ROOT,
                                        "Reliability diagram (N = %d, M = %d): ECE = %.4f, MCE ="
                                                + " %.4f",
                                        d.count(),
                                        bins.size(),
                                        d.ece(),
                                        d.mce()))
                        .xAxisTitle("confidence (bin centre); diamonds: mean confidence in the bin")
                        .yAxisTitle("accuracy")
                        .build();
        style(chart);
        chart.getStyler().setOverlapped(true);
        chart.getStyler().setYAxisMin(0.0);
        chart.getStyler().setYAxisMax(1.0);
        chart.getStyler().setXAxisLabelRotation(bins.size() > 12 ? 45 : 0);
        List<String> x = new ArrayList<>();
        List<Double> acc = new ArrayList<>();
        List<Double> conf = new ArrayList<>();
        List<Double> ideal = new ArrayList<>();
        for (ReliabilityDiagram.Bin b : bins) {
            x.add(String.format(Locale.ROOT, "%.3f", (b.lower() + b.upper()) / 2));
            acc.add(b.count() == 0 ? null : b.accuracy());
            conf.add(b.count() == 0 ? null : b.meanConfidence());
            ideal.add((b.lower() + b.upper()) / 2);
        }
        CategorySeries a = chart.addSeries("accuracy", x, acc);
        a.setFillColor(BLUE);
        CategorySeries c = chart.addSeries("mean confidence", x, conf);
        c.setChartCategorySeriesRenderStyle(CategorySeries.CategorySeriesRenderStyle.Scatter);
        c.setMarkerColor(new Color(214, 39, 40));
        c.setMarker(SeriesMarkers.DIAMOND);
        CategorySeries p = chart.addSeries("perfect calibration", x, ideal);
        p.setChartCategorySeriesRenderStyle(CategorySeries.CategorySeriesRenderStyle.Line);
        p.setLineColor(GREY);
        p.setMarker(SeriesMarkers.NONE);
        return chart;
    }

    static CategoryChart histogram(Histogram h, String title, String xLabel) {
        return histogram(h, title, xLabel, "in-distribution", "OOD");
    }

    static CategoryChart histogram(
            Histogram h, String title, String xLabel, String unflagged, String flagged) {
        int bins = h.inFractions().length;
        CategoryChart chart =
                new CategoryChartBuilder()
                        .width(720)
                        .height(480)
                        .title(title)
                        .xAxisTitle(xLabel)
                        .yAxisTitle("fraction of examples")
                        .build();
        style(chart);
        chart.getStyler().setOverlapped(true);
        chart.getStyler().setXAxisLabelRotation(45);
        chart.getStyler().setXAxisTickMarkSpacingHint(60);
        List<String> x = new ArrayList<>();
        double w = (h.hi() - h.lo()) / bins;
        for (int k = 0; k < bins; k++) {
            x.add(String.format(Locale.ROOT, "%.3g", h.lo() + (k + 0.5) * w));
        }
        boolean split = h.out() > 0;
        CategorySeries in =
                chart.addSeries(
                        (split ? unflagged : "all") + " (n = " + h.in() + ")",
                        x,
                        toList(h.inFractions()));
        in.setFillColor(new Color(31, 119, 180, 170));
        if (split) {
            CategorySeries out =
                    chart.addSeries(
                            flagged + " (n = " + h.out() + ")", x, toList(h.oodFractions()));
            out.setFillColor(ORANGE);
        }
        return chart;
    }

    static CategoryChart lines(
            String title,
            String xLabel,
            String yLabel,
            List<String> x,
            Map<String, double[]> means,
            Map<String, double[]> errors) {
        CategoryChart chart =
                new CategoryChartBuilder()
                        .width(720)
                        .height(480)
                        .title(title)
                        .xAxisTitle(xLabel)
                        .yAxisTitle(yLabel)
                        .build();
        style(chart);
        chart.getStyler()
                .setDefaultSeriesRenderStyle(CategorySeries.CategorySeriesRenderStyle.Line);
        chart.getStyler().setSeriesColors(PALETTE);
        chart.getStyler().setErrorBarsColorSeriesColor(true);
        for (Map.Entry<String, double[]> e : means.entrySet()) {
            double[] err = errors.get(e.getKey());
            if (err == null) {
                chart.addSeries(e.getKey(), x, toList(e.getValue()));
            } else {
                chart.addSeries(e.getKey(), x, toList(e.getValue()), toList(err));
            }
        }
        return chart;
    }

    private static final Color[] PALETTE = {
        BLUE,
        new Color(255, 127, 14),
        new Color(44, 160, 44),
        new Color(214, 39, 40),
        new Color(148, 103, 189),
        new Color(140, 86, 75),
        GREY
    };

    private static void style(CategoryChart chart) {
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setPlotGridVerticalLinesVisible(false);
        chart.getStyler().setAvailableSpaceFill(0.9);
        chart.getStyler().setSeriesColors(new Color[] {BLUE, ORANGE, GREY});
    }

    private static List<Double> toList(double[] v) {
        List<Double> out = new ArrayList<>(v.length);
        for (double d : v) {
            out.add(d);
        }
        return out;
    }

    static void save(CategoryChart chart, Path file, boolean svg) throws IOException {
        AtomicFiles.write(
                file,
                true,
                out -> {
                    if (svg) {
                        VectorGraphicsEncoder.saveVectorGraphic(
                                chart, out, VectorGraphicsEncoder.VectorGraphicsFormat.SVG);
                    } else {
                        BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG);
                    }
                });
    }
}
