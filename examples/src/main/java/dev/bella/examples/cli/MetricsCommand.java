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
 * a label out of range, invalid probabilities, bins &lt;= 0), with a message on standard error
 * naming the file or the offending index and value.
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
                    "number of equal-width confidence bins for ECE/MCE (default: ${DEFAULT-VALUE})")
    int bins;

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
            err.println("bella metrics: no such file: " + e.getFile());
        } catch (IOException e) {
            err.println("bella metrics: " + e.getMessage());
        } catch (IllegalArgumentException e) {
            err.println("bella metrics: bad input: " + e.getMessage());
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
        if (bins <= 0) {
            throw new IllegalArgumentException(
                    "--bins should be a positive integer but the value passed is " + bins);
        }
        NpyArray p = read(probs);
        NpyArray y = read(labels);
        MetricsReport.Builder b = MetricsReport.builder().optBins(bins);
        if (y.rank() != 1) {
            throw new IllegalArgumentException(
                    labels + ": labels must have shape (N), got " + Arrays.toString(y.shape()));
        }
        b.setLabels(y.toIntArray());
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
        if (p.rank() == 2) {
            b.setProbabilities(ProbabilityMatrix.of(float32(p), s[0], s[1]));
        } else {
            b.setParticleProbabilities(ParticleProbabilities.of(float32(p), s[0], s[1], s[2]));
        }
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
            b.optOod(o.toBooleanArray());
        }
        return b.build();
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
