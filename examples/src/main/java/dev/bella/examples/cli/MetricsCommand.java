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
package dev.bella.examples.cli;

import dev.bella.metrics.MetricsReport;
import dev.bella.metrics.ParticleProbabilities;
import dev.bella.metrics.Probabilities;
import dev.bella.metrics.ProbabilityMatrix;
import dev.bella.metrics.npy.Npy;
import dev.bella.metrics.npy.NpyArray;
import dev.bella.metrics.npy.NpyType;
import dev.bella.metrics.plot.MetricsPlots;
import dev.bella.metrics.render.JsonRenderer;
import dev.bella.metrics.render.MarkdownRenderer;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./bella metrics}: the metrics report of saved probabilities ({@code .npy}), as Markdown or
 * JSON, with optional pictures. See {@code docs/metrics.md}.
 *
 * <p>Exit codes: 0 on success, 2 on bad input (unreadable or malformed file, shapes that disagree,
 * a label out of range, invalid probabilities, {@code --bins} not an integer from 1 to {@value
 * #MAX_BINS}, or arrays too large for the heap), with a message on standard error naming the file
 * and the offending index and value. The message is at most {@value #MAX_MESSAGE} characters. Every
 * file is validated before its data is allocated (see {@link Npy#read(Path)}).
 */
@Command(
        name = "metrics",
        mixinStandardHelpOptions = true,
        description = {
            "Metrics report from saved probabilities: accuracy, NLL, ECE, MCE, Brier, AUROC;"
                    + " with particle probabilities also predictive entropy, aleatoric and"
                    + " mutual information; with --ood also OOD-detection AUROC, AUPR and FPR95.",
            "Classification metrics use the in-distribution examples only (ood = 0)."
        },
        exitCodeOnInvalidInput = 2)
public final class MetricsCommand implements Callable<Integer> {

    /** Exit code for bad input. */
    static final int BAD_INPUT = 2;

    /**
     * The most confidence bins: the Markdown report has a row per bin, so this bounds its length
     * (about 70 characters a row), and ECE with more bins than this is noise for any real N.
     */
    static final int MAX_BINS = 1_000;

    /** The longest message printed for bad input. */
    static final int MAX_MESSAGE = 2_000;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(
            names = "--probs",
            required = true,
            paramLabel = "FILE",
            description =
                    ".npy float32/float64 probabilities (after softmax), shape N x C, or n x N x C"
                            + " for n particles (particle first)")
    Path probs;

    @Option(
            names = "--labels",
            required = true,
            paramLabel = "FILE",
            description = ".npy integer labels in [0, C), shape N (any value for OOD examples)")
    Path labels;

    @Option(
            names = "--ood",
            paramLabel = "FILE",
            description = ".npy 0/1 flags, shape N, 1 = out of distribution")
    Path ood;

    @Option(
            names = "--bins",
            paramLabel = "M",
            defaultValue = "15",
            description =
                    "number of equal-width confidence bins for ECE/MCE, an integer from 1 to "
                            + MAX_BINS
                            + " (default: ${DEFAULT-VALUE})")
    String bins;

    @Option(
            names = "--plots",
            paramLabel = "DIR",
            description =
                    "write the reliability diagram and entropy / MI histograms as PNG and SVG")
    Path plots;

    @Option(
            names = "--json",
            description = "print one JSON object (numbers round-trip exactly) instead of Markdown")
    boolean json;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try {
            MetricsReport report = report();
            if (plots != null) {
                List<Path> written = MetricsPlots.writeAll(report, plots);
                for (Path p : written) {
                    err.println("wrote " + p);
                }
            }
            out.println(json ? JsonRenderer.render(report) : MarkdownRenderer.render(report));
            out.flush();
            return 0;
        } catch (NoSuchFileException e) {
            err.println("bella metrics: no such file: " + bounded(e.getFile()));
        } catch (IOException e) {
            err.println("bella metrics: " + bounded(e.getMessage()));
        } catch (IllegalArgumentException e) {
            err.println("bella metrics: bad input: " + bounded(e.getMessage()));
        } catch (OutOfMemoryError e) {
            // files are validated against their length before allocation, so this is a valid
            // file larger than the heap
            err.println(
                    "bella metrics: the arrays of "
                            + files()
                            + " do not fit in the Java heap ("
                            + Runtime.getRuntime().maxMemory() / (1 << 20)
                            + " MiB); raise it with JAVA_OPTS=-Xmx...");
        }
        err.flush();
        return BAD_INPUT;
    }

    /**
     * Reads the files and computes the report.
     *
     * @return the report
     * @throws IOException if a file cannot be read or is not a valid .npy file
     * @throws IllegalArgumentException on bad input
     */
    MetricsReport report() throws IOException {
        int m = parseBins(bins);
        NpyArray p = read(probs);
        NpyArray y = read(labels);
        MetricsReport.Builder b = MetricsReport.builder().optBins(m);
        if (y.rank() != 1) {
            throw new IllegalArgumentException(
                    labels + ": labels must have shape (N), got " + Arrays.toString(y.shape()));
        }
        int[] labelValues = y.toIntArray();
        b.setLabels(labelValues);
        if (p.type().isInteger()) {
            throw new IllegalArgumentException(
                    probs
                            + ": probabilities must be float32 or float64, the file holds "
                            + p.type());
        }
        int n = p.rank() == 2 ? p.shape()[0] : p.rank() == 3 ? p.shape()[1] : -1;
        if (n < 0) {
            throw new IllegalArgumentException(
                    probs
                            + ": probabilities must have shape (N, C) or (n, N, C), got "
                            + Arrays.toString(p.shape()));
        }
        if (n != y.size()) {
            throw new IllegalArgumentException(
                    "shapes disagree: "
                            + probs
                            + " has N = "
                            + n
                            + " examples (shape "
                            + Arrays.toString(p.shape())
                            + ") but "
                            + labels
                            + " has "
                            + y.size()
                            + " labels");
        }
        // float64 files are read as float32, the metrics' one input type (model outputs)
        int[] s = p.shape();
        int classes = s[s.length - 1];
        if (n == 0 || classes == 0 || (p.rank() == 3 && s[0] == 0)) {
            throw new IllegalArgumentException(
                    probs
                            + ": probabilities must have at least one particle, example and class,"
                            + " got shape "
                            + Arrays.toString(s));
        }
        float[] values = float32(p);
        checkProbabilities(values, s);
        boolean[] oodFlags = null;
        if (ood != null) {
            NpyArray o = read(ood);
            if (o.rank() != 1 || o.size() != n) {
                throw new IllegalArgumentException(
                        "shapes disagree: "
                                + ood
                                + " has shape "
                                + Arrays.toString(o.shape())
                                + ", expected ("
                                + n
                                + ") like "
                                + labels);
            }
            oodFlags = o.toBooleanArray();
            b.optOod(oodFlags);
        }
        checkLabels(labelValues, oodFlags, classes);
        if (p.rank() == 2) {
            b.setProbabilities(ProbabilityMatrix.of(values, s[0], s[1]));
        } else {
            b.setParticleProbabilities(ParticleProbabilities.of(values, s[0], s[1], s[2]));
        }
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            // the library names arrays (probs, labels, ood), not files
            throw new IllegalArgumentException(files() + ": " + e.getMessage(), e);
        }
    }

    /** Parses {@code --bins}: an integer from 1 to {@link #MAX_BINS}. */
    static int parseBins(String text) {
        String t = text == null ? "" : text.trim();
        int m = -1;
        if (t.matches("[+-]?[0-9]{1,10}")) {
            long v = Long.parseLong(t);
            m = v >= 1 && v <= MAX_BINS ? (int) v : 0;
        }
        if (m < 1) {
            throw new IllegalArgumentException(
                    "--bins should be an integer from 1 to "
                            + MAX_BINS
                            + " but the value passed is "
                            + bounded(t.length() > 40 ? t.substring(0, 40) + "..." : t));
        }
        return m;
    }

    /**
     * Checks every probability is finite and in [0, 1] and every row sums to 1 within {@link
     * Probabilities#ROW_SUM_TOLERANCE}, naming the file, the index and the value.
     */
    private void checkProbabilities(float[] v, int[] shape) {
        int classes = shape[shape.length - 1];
        for (int r = 0; r * classes < v.length; r++) {
            double sum = 0;
            for (int c = 0; c < classes; c++) {
                float x = v[r * classes + c];
                if (!(x >= 0 && x <= 1)) {
                    throw new IllegalArgumentException(
                            probs
                                    + ": probs"
                                    + index(shape, r * classes + c)
                                    + " = "
                                    + x
                                    + ": probabilities must be finite and in [0, 1]"
                                    + (x > 1 || x < 0 ? " (logits? apply softmax first)" : ""));
                }
                sum += x;
            }
            if (!(Math.abs(sum - 1) <= Probabilities.ROW_SUM_TOLERANCE)) {
                int[] at = unravel(shape, r * classes);
                throw new IllegalArgumentException(
                        probs
                                + ": row probs"
                                + index(Arrays.copyOf(at, at.length - 1))
                                + " sums to "
                                + sum
                                + ", expected 1 within "
                                + Probabilities.ROW_SUM_TOLERANCE
                                + " (pass probabilities after softmax, not logits)");
            }
        }
    }

    /** Checks the in-distribution labels are in [0, C), naming the file, the index and value. */
    private void checkLabels(int[] y, boolean[] oodFlags, int classes) {
        for (int i = 0; i < y.length; i++) {
            if ((oodFlags == null || !oodFlags[i]) && (y[i] < 0 || y[i] >= classes)) {
                throw new IllegalArgumentException(
                        labels
                                + ": labels["
                                + i
                                + "] = "
                                + y[i]
                                + " is outside [0, "
                                + classes
                                + "): "
                                + probs
                                + " has "
                                + classes
                                + " classes"
                                + (oodFlags == null ? "" : " (in-distribution example, ood = 0)"));
            }
        }
    }

    private static int[] unravel(int[] shape, int flat) {
        int[] at = new int[shape.length];
        for (int d = shape.length - 1; d >= 0; d--) {
            at[d] = flat % shape[d];
            flat /= shape[d];
        }
        return at;
    }

    private static String index(int[] shape, int flat) {
        return index(unravel(shape, flat));
    }

    private static String index(int[] at) {
        StringBuilder b = new StringBuilder();
        for (int i : at) {
            b.append('[').append(i).append(']');
        }
        return b.toString();
    }

    private String files() {
        return "--probs " + probs + ", --labels " + labels + (ood == null ? "" : ", --ood " + ood);
    }

    /** Bounds a message to {@link #MAX_MESSAGE} characters. */
    static String bounded(String message) {
        String m = String.valueOf(message);
        return m.length() <= MAX_MESSAGE
                ? m
                : m.substring(0, MAX_MESSAGE - 40) + "... (" + m.length() + " characters)";
    }

    /** The values as float32, the metrics' input type: float64 files are rounded to float32. */
    static float[] float32(NpyArray a) {
        if (a.type() == NpyType.FLOAT32) {
            return a.toFloatArray();
        }
        double[] d = a.toDoubleArray();
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            f[i] = (float) d[i];
        }
        return f;
    }

    private static NpyArray read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString());
        }
        return Npy.read(file);
    }
}
