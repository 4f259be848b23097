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

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.bella.metrics.ClassificationMetrics;
import dev.bella.metrics.MetricsReport;
import dev.bella.metrics.ParticleProbabilities;
import dev.bella.metrics.ProbabilityMatrix;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.knowm.xchart.CategoryChart;

class MetricsPlotsTest {

    @TempDir Path dir;

    static MetricsReport report() {
        Random rnd = new Random(1);
        int n = 400;
        int c = 4;
        float[][][] parts = new float[3][n][c];
        int[] y = new int[n];
        boolean[] ood = new boolean[n];
        for (int e = 0; e < n; e++) {
            y[e] = rnd.nextInt(c);
            ood[e] = e % 4 == 0;
            for (int i = 0; i < 3; i++) {
                double[] z = new double[c];
                double s = 0;
                for (int k = 0; k < c; k++) {
                    z[k] =
                            Math.exp(
                                    (ood[e] ? 0.5 : 3) * rnd.nextGaussian()
                                            + (k == y[e] && !ood[e] ? 2 : 0));
                    s += z[k];
                }
                for (int k = 0; k < c; k++) {
                    parts[i][e][k] = (float) (z[k] / s);
                }
            }
        }
        return MetricsReport.builder()
                .setParticleProbabilities(ParticleProbabilities.copyOf(parts))
                .setLabels(y)
                .optOod(ood)
                .build();
    }

    @Test
    void writesPngAndSvgForEveryPicture() throws IOException {
        List<Path> files = MetricsPlots.writeAll(report(), dir.resolve("plots"));
        assertThat(files)
                .extracting(p -> p.getFileName().toString())
                .containsExactlyInAnyOrder(
                        "reliability.png",
                        "entropy_histogram.png",
                        "mi_histogram.png",
                        "reliability.svg",
                        "entropy_histogram.svg",
                        "mi_histogram.svg");
        for (Path f : files) {
            assertThat(f).isRegularFile();
            if (f.toString().endsWith(".png")) {
                BufferedImage img = ImageIO.read(f.toFile());
                assertThat(img.getWidth()).isGreaterThan(600);
                assertThat(img.getHeight()).isGreaterThan(400);
                // not blank: more than two distinct colours
                assertThat(colours(img)).isGreaterThan(2);
            } else {
                String svg = Files.readString(f, StandardCharsets.UTF_8);
                assertThat(svg).contains("<svg").contains("</svg>");
            }
        }
    }

    @Test
    void histogramOfTwoNamedGroupsNamesThemInTheLegend() throws IOException {
        Path f = dir.resolve("misclassified.svg");
        MetricsPlots.writeHistogram(
                new double[] {0.1, 0.2, 0.9, 1.1},
                new boolean[] {false, false, true, true},
                10,
                "Entropy",
                "predictive entropy (nats)",
                "correct",
                "incorrect",
                f);
        assertThat(f).isRegularFile();
        // SVG text is drawn as paths: check the legend on the chart itself.
        assertThat(
                        Charts.histogram(
                                        Histogram.of(
                                                new double[] {0.1, 0.9, 1.1},
                                                new boolean[] {false, true, true},
                                                10),
                                        "Entropy",
                                        "x",
                                        "correct",
                                        "incorrect")
                                .getSeriesMap()
                                .keySet())
                .containsExactly("correct (n = 1)", "incorrect (n = 2)");
        assertThatThrownBy(
                        () ->
                                MetricsPlots.writeHistogram(
                                        new double[] {1}, null, 10, "t", "x", "a", "b", f))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void linesCarryEachSeriesWithItsErrorBars() throws IOException {
        Path f = dir.resolve("sweep.svg");
        Map<String, double[]> means = new LinkedHashMap<>();
        means.put("FGSM 0.01", new double[] {0.8, 0.82, 0.81});
        means.put("FGSM 0.03", new double[] {0.6, 0.63, 0.62});
        Map<String, double[]> errors = Map.of("FGSM 0.01", new double[] {0.01, 0.02, 0});
        List<String> x = List.of("0", "0.01", "0.05");
        MetricsPlots.writeLines("sweep", "gamma", "accuracy", x, means, errors, f);
        assertThat(f).isRegularFile();
        CategoryChart chart = Charts.lines("sweep", "gamma", "accuracy", x, means, errors);
        assertThat(chart.getSeriesMap().keySet()).containsExactly("FGSM 0.01", "FGSM 0.03");
        assertThat(doubles(chart.getSeriesMap().get("FGSM 0.01").getExtraValues()))
                .containsExactly(0.01, 0.02, 0.0);
        assertThat(chart.getSeriesMap().get("FGSM 0.03").getExtraValues()).isNull();
        assertThat(doubles(chart.getSeriesMap().get("FGSM 0.03").getYData()))
                .containsExactly(0.6, 0.63, 0.62);
    }

    private static List<Double> doubles(java.util.Collection<? extends Number> v) {
        return v.stream().map(Number::doubleValue).toList();
    }

    @Test
    void linesRejectSeriesThatDoNotFitTheAxis() {
        Path f = dir.resolve("bad.svg");
        List<String> x = List.of("a", "b");
        assertThatThrownBy(
                        () ->
                                MetricsPlots.writeLines(
                                        "t", "x", "y", x, Map.of("s", new double[] {1}), null, f))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("series s")
                .hasMessageContaining("(2), got 1 values");
        assertThatThrownBy(
                        () ->
                                MetricsPlots.writeLines(
                                        "t",
                                        "x",
                                        "y",
                                        x,
                                        Map.of("s", new double[] {1, Double.NaN}),
                                        null,
                                        f))
                .hasMessageContaining("value 1 = NaN");
        assertThatThrownBy(
                        () ->
                                MetricsPlots.writeLines(
                                        "t",
                                        "x",
                                        "y",
                                        x,
                                        Map.of("s", new double[] {1, 2}),
                                        Map.of("s", new double[] {0, -1}),
                                        f))
                .hasMessageContaining("error bars of s must be finite and non-negative");
        assertThatThrownBy(
                        () ->
                                MetricsPlots.writeLines(
                                        "t",
                                        "x",
                                        "y",
                                        x,
                                        Map.of("s", new double[] {1, 2}),
                                        Map.of("u", new double[] {0, 1}),
                                        f))
                .hasMessageContaining("unknown series: u");
        assertThatThrownBy(
                        () -> MetricsPlots.writeLines("t", "x", "y", List.of(), Map.of(), null, f))
                .hasMessageContaining("at least one x position");
    }

    @Test
    void reliabilityDiagramWithEmptyBins() throws IOException {
        Path f = dir.resolve("r.png");
        MetricsPlots.writeReliabilityDiagram(
                ClassificationMetrics.of(
                                ProbabilityMatrix.of(new float[] {0.25f, 0.75f}, 1, 2),
                                new int[] {1})
                        .reliability(),
                f);
        assertThat(ImageIO.read(f.toFile())).isNotNull();
    }

    @Test
    void badInput() {
        assertThatThrownBy(
                        () ->
                                MetricsPlots.writeHistogram(
                                        new double[] {1}, null, 10, "t", "x", dir.resolve("h.gif")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(".png or .svg");
        assertThatThrownBy(
                        () ->
                                MetricsPlots.writeHistogram(
                                        new double[0], null, 10, "t", "x", dir.resolve("h.png")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("empty");
        assertThatThrownBy(
                        () ->
                                MetricsPlots.writeHistogram(
                                        new double[] {1, Double.NaN},
                                        null,
                                        10,
                                        "t",
                                        "x",
                                        dir.resolve("h.png")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("values[1] = NaN");
        assertThatThrownBy(
                        () ->
                                MetricsPlots.writeHistogram(
                                        new double[] {1},
                                        new boolean[2],
                                        10,
                                        "t",
                                        "x",
                                        dir.resolve("h.png")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ood.length = 2");
        assertThatThrownBy(
                        () ->
                                MetricsPlots.writeHistogram(
                                        new double[] {1}, null, 0, "t", "x", dir.resolve("h.png")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("bins");
    }

    @Test
    void histogramCountsAreFractionsPerGroup() {
        // values 0, 1, 2, 3 with 2 bins over [0, 3]: [0, 1.5) and [1.5, 3]
        Histogram h =
                Histogram.of(
                        new double[] {0, 1, 2, 3}, new boolean[] {false, false, false, true}, 2);
        assertThat(h.inFractions()).containsExactly(2.0 / 3, 1.0 / 3);
        assertThat(h.oodFractions()).containsExactly(0, 1);
        assertThat(h.in()).isEqualTo(3);
        assertThat(h.out()).isEqualTo(1);
    }

    @Test
    void withoutXChartTheErrorNamesTheArtifact() throws Exception {
        // Load bella-metrics' own classes in a class loader that cannot see XChart.
        java.net.URL classes =
                MetricsPlots.class.getProtectionDomain().getCodeSource().getLocation();
        try (java.net.URLClassLoader bare =
                new java.net.URLClassLoader(
                        new java.net.URL[] {classes}, ClassLoader.getPlatformClassLoader())) {
            Class<?> plots = bare.loadClass(MetricsPlots.class.getName());
            assertThat(plots.getMethod("isAvailable").invoke(null)).isEqualTo(false);
            java.lang.reflect.Method write =
                    plots.getMethod(
                            "writeHistogram",
                            double[].class,
                            boolean[].class,
                            int.class,
                            String.class,
                            String.class,
                            Path.class);
            assertThatThrownBy(
                            () ->
                                    write.invoke(
                                            null,
                                            new double[] {1},
                                            null,
                                            5,
                                            "t",
                                            "x",
                                            dir.resolve("h.png")))
                    .hasCauseInstanceOf(IllegalStateException.class)
                    .cause()
                    .hasMessageContaining("org.knowm.xchart:xchart:3.8.8");
        }
    }

    private static int colours(BufferedImage img) {
        java.util.Set<Integer> seen = new java.util.HashSet<>();
        for (int x = 0; x < img.getWidth(); x += 7) {
            for (int y = 0; y < img.getHeight(); y += 7) {
                seen.add(img.getRGB(x, y));
            }
        }
        return seen.size();
    }
}
