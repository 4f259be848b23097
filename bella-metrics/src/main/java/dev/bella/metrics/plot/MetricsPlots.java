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

import dev.bella.metrics.MetricsReport;
import dev.bella.metrics.ReliabilityDiagram;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes the pictures users look at: the reliability diagram, and histograms of a per-example
 * uncertainty (predictive entropy, mutual information) split into in-distribution and OOD inputs.
 * The format follows the file name: {@code .png} or {@code .svg}.
 *
 * <p>Needs XChart on the class path (an optional dependency of bella-metrics, {@value
 * #XCHART_ARTIFACT}); without it every method throws {@link IllegalStateException} naming it.
 * Rendering is headless. Thread-safe: each call draws its own chart.
 */
public final class MetricsPlots {

    /** The Maven coordinates of the charting library the plots need. */
    public static final String XCHART_ARTIFACT = "org.knowm.xchart:xchart:3.8.8";

    /** The default number of histogram bins, 30. */
    public static final int DEFAULT_HISTOGRAM_BINS = 30;

    private MetricsPlots() {}

    /**
     * Whether XChart is on the class path, so that the plots can be drawn.
     *
     * @return {@code true} if the plots can be drawn
     */
    public static boolean isAvailable() {
        try {
            Class.forName(
                    "org.knowm.xchart.CategoryChart", false, MetricsPlots.class.getClassLoader());
            Class.forName(
                    "de.erichseifert.vectorgraphics2d.VectorGraphics2D",
                    false,
                    MetricsPlots.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /**
     * Draws a reliability diagram: per bin, the accuracy (bars) against the mean confidence, with
     * the diagonal of perfect calibration; empty bins are left blank. The title gives ECE and MCE.
     *
     * @param diagram the reliability-diagram data
     * @param file a {@code .png} or {@code .svg} file, replaced if it exists
     * @throws IOException if the file cannot be written
     * @throws IllegalArgumentException if the extension is neither {@code .png} nor {@code .svg}
     * @throws IllegalStateException if XChart is not on the class path
     */
    public static void writeReliabilityDiagram(ReliabilityDiagram diagram, Path file)
            throws IOException {
        if (diagram == null) {
            throw new IllegalArgumentException("diagram must not be null");
        }
        Format format = format(file);
        requireXChart();
        Charts.save(Charts.reliability(diagram), file, format == Format.SVG);
    }

    /**
     * Draws a histogram of per-example values, as two overlapping series (in-distribution and OOD)
     * each normalised to fractions of its own examples, or one series when {@code ood} is null.
     *
     * @param values N values, finite
     * @param ood N flags ({@code true} = OOD), or {@code null}
     * @param bins the number of equal-width bins between the smallest and largest value, positive
     * @param title the chart title
     * @param xLabel the x-axis label, e.g. {@code "predictive entropy (nats)"}
     * @param file a {@code .png} or {@code .svg} file, replaced if it exists
     * @throws IOException if the file cannot be written
     * @throws IllegalArgumentException on empty or non-finite values, mismatched lengths, bins
     *     &lt;= 0, or an unknown extension
     * @throws IllegalStateException if XChart is not on the class path
     */
    public static void writeHistogram(
            double[] values, boolean[] ood, int bins, String title, String xLabel, Path file)
            throws IOException {
        Histogram h = Histogram.of(values, ood, bins);
        Format format = format(file);
        requireXChart();
        Charts.save(Charts.histogram(h, title, xLabel), file, format == Format.SVG);
    }

    /**
     * Draws a histogram of per-example values split into two named groups, each normalised to
     * fractions of its own examples: for instance the predictive entropy of correct and incorrect
     * predictions (misclassification detection, the paper's Figure 11).
     *
     * @param values N values, finite
     * @param flags N flags: {@code true} puts the value in the {@code flagged} group
     * @param bins the number of equal-width bins between the smallest and largest value, positive
     * @param title the chart title
     * @param xLabel the x-axis label
     * @param unflagged the legend name of the values whose flag is {@code false}
     * @param flagged the legend name of the values whose flag is {@code true}
     * @param file a {@code .png} or {@code .svg} file, replaced if it exists
     * @throws IOException if the file cannot be written
     * @throws IllegalArgumentException on empty or non-finite values, mismatched lengths, bins
     *     &lt;= 0, a null flag array or group name, or an unknown extension
     * @throws IllegalStateException if XChart is not on the class path
     */
    public static void writeHistogram(
            double[] values,
            boolean[] flags,
            int bins,
            String title,
            String xLabel,
            String unflagged,
            String flagged,
            Path file)
            throws IOException {
        if (flags == null || unflagged == null || flagged == null) {
            throw new IllegalArgumentException("flags and both group names must not be null");
        }
        Histogram h = Histogram.of(values, flags, bins);
        Format format = format(file);
        requireXChart();
        Charts.save(
                Charts.histogram(h, title, xLabel, unflagged, flagged), file, format == Format.SVG);
    }

    /**
     * Draws one or more series of values over named x positions as lines, each value optionally
     * with an error bar of half-width {@code errors[k]}: for instance a metric's mean ± standard
     * deviation over seeds at each value of a hyperparameter.
     *
     * @param title the chart title
     * @param xLabel the x-axis label
     * @param yLabel the y-axis label
     * @param x the x positions' labels, in order, at least one
     * @param means per series name (legend order), one finite value per x position
     * @param errors per series name, the error bars' half-widths (finite, non-negative), one per x
     *     position; a series missing here has no error bars
     * @param file a {@code .png} or {@code .svg} file, replaced if it exists
     * @throws IOException if the file cannot be written
     * @throws IllegalArgumentException on no x positions or series, a series or error-bar array of
     *     another length than {@code x}, a non-finite value, a negative or non-finite error, error
     *     bars of an unknown series, or an unknown extension
     * @throws IllegalStateException if XChart is not on the class path
     */
    public static void writeLines(
            String title,
            String xLabel,
            String yLabel,
            List<String> x,
            Map<String, double[]> means,
            Map<String, double[]> errors,
            Path file)
            throws IOException {
        if (title == null || xLabel == null || yLabel == null || x == null || means == null) {
            throw new IllegalArgumentException("title, labels, x and means must not be null");
        }
        Map<String, double[]> bars = errors == null ? Map.of() : errors;
        if (x.isEmpty() || means.isEmpty()) {
            throw new IllegalArgumentException(
                    "at least one x position and one series are needed, got "
                            + x.size()
                            + " positions and "
                            + means.size()
                            + " series");
        }
        for (Map.Entry<String, double[]> e : means.entrySet()) {
            checkSeries("series " + e.getKey(), e.getValue(), x.size(), false);
        }
        for (Map.Entry<String, double[]> e : bars.entrySet()) {
            if (!means.containsKey(e.getKey())) {
                throw new IllegalArgumentException(
                        "error bars for an unknown series: "
                                + e.getKey()
                                + "; series: "
                                + means.keySet());
            }
            checkSeries("error bars of " + e.getKey(), e.getValue(), x.size(), true);
        }
        Format format = format(file);
        requireXChart();
        Charts.save(
                Charts.lines(title, xLabel, yLabel, x, means, bars), file, format == Format.SVG);
    }

    private static void checkSeries(String what, double[] v, int length, boolean nonNegative) {
        if (v == null || v.length != length) {
            throw new IllegalArgumentException(
                    what
                            + " must have one value per x position ("
                            + length
                            + "), got "
                            + (v == null ? "null" : v.length + " values"));
        }
        for (int k = 0; k < v.length; k++) {
            if (!Double.isFinite(v[k]) || (nonNegative && v[k] < 0)) {
                throw new IllegalArgumentException(
                        what
                                + " must be finite"
                                + (nonNegative ? " and non-negative" : "")
                                + ", value "
                                + k
                                + " = "
                                + v[k]);
            }
        }
    }

    /**
     * Writes every picture of a report into a directory (created if needed), as PNG and SVG: {@code
     * reliability}, {@code entropy_histogram}, and {@code mi_histogram} for particle input.
     *
     * @param report the report
     * @param dir the directory
     * @return the files written
     * @throws IOException if a file cannot be written
     * @throws IllegalStateException if XChart is not on the class path
     */
    public static List<Path> writeAll(MetricsReport report, Path dir) throws IOException {
        if (report == null) {
            throw new IllegalArgumentException("report must not be null");
        }
        requireXChart();
        Files.createDirectories(dir);
        boolean[] ood = null;
        if (report.hasOod()) {
            ood = new boolean[report.examples()];
            for (int i = 0; i < ood.length; i++) {
                ood[i] = report.ood().get(i);
            }
        }
        List<Path> written = new ArrayList<>();
        for (String ext : new String[] {"png", "svg"}) {
            Path r = dir.resolve("reliability." + ext);
            writeReliabilityDiagram(report.classification().reliability(), r);
            written.add(r);
            Path e = dir.resolve("entropy_histogram." + ext);
            writeHistogram(
                    unboxed(report.predictiveEntropy()),
                    ood,
                    DEFAULT_HISTOGRAM_BINS,
                    "Predictive entropy",
                    "predictive entropy H[p_bar] (nats)",
                    e);
            written.add(e);
            if (report.hasParticles()) {
                Path m = dir.resolve("mi_histogram." + ext);
                writeHistogram(
                        unboxed(report.mutualInformation()),
                        ood,
                        DEFAULT_HISTOGRAM_BINS,
                        "Mutual information (epistemic)",
                        "mutual information (nats)",
                        m);
                written.add(m);
            }
        }
        return List.copyOf(written);
    }

    private static double[] unboxed(List<Double> v) {
        double[] out = new double[v.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = v.get(i);
        }
        return out;
    }

    private static void requireXChart() {
        if (!isAvailable()) {
            throw new IllegalStateException(
                    "plots need XChart on the class path: it is an optional dependency of"
                            + " bella-metrics. Add "
                            + XCHART_ARTIFACT
                            + " to your build (Maven: <dependency><groupId>org.knowm.xchart"
                            + "</groupId><artifactId>xchart</artifactId><version>3.8.8</version>"
                            + "</dependency>)");
        }
    }

    private enum Format {
        PNG,
        SVG
    }

    private static Format format(Path file) {
        if (file == null) {
            throw new IllegalArgumentException("file must not be null");
        }
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".png")) {
            return Format.PNG;
        }
        if (name.endsWith(".svg")) {
            return Format.SVG;
        }
        throw new IllegalArgumentException(
                "unknown picture format for " + file + ": use a .png or .svg file name");
    }
}
