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

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.bella.metrics.MetricsReport;
import dev.bella.metrics.ParticleProbabilities;
import dev.bella.metrics.ReportMetric;
import dev.bella.metrics.npy.Npy;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class MetricsCommandTest {

    @TempDir Path dir;
    Path probs;
    Path labels;
    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();

    // The hand-computed case of bella-metrics' ClassificationMetricsTest: with M = 4 bins,
    // ECE = 2/5 * .5 + 3/5 * 1/6 = 0.3, MCE = .5, accuracy 3/5, Brier 0.39375.
    static final float[] P = {
        0.75f, 0.25f, 0, 0.5f, 0.25f, 0.25f, 0.125f, 0.125f, 0.75f, 0.25f, 0.5f, 0.25f, 0, 0, 1
    };
    static final int[] Y = {0, 1, 2, 2, 2};

    @BeforeEach
    void files() throws IOException {
        probs = dir.resolve("probs.npy");
        labels = dir.resolve("labels.npy");
        Npy.write(probs, P, 5, 3);
        Npy.write(labels, Y, 5);
    }

    int run(String... args) {
        CommandLine cl = BellaCli.newCommandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        return cl.execute(args);
    }

    JsonObject json() {
        return JsonParser.parseString(out.toString()).getAsJsonObject();
    }

    @Test
    void jsonReportOfSingleModel() {
        int code =
                run(
                        "metrics",
                        "--probs",
                        probs.toString(),
                        "--labels",
                        labels.toString(),
                        "--bins",
                        "4",
                        "--json");
        assertThat(code).as(err.toString()).isZero();
        JsonObject o = json();
        assertThat(o.get("accuracy").getAsDouble()).isEqualTo(0.6);
        assertThat(o.get("ece").getAsDouble())
                .isEqualTo(0.3, org.assertj.core.api.Assertions.within(1e-15));
        assertThat(o.get("mce").getAsDouble()).isEqualTo(0.5);
        assertThat(o.get("brier").getAsDouble())
                .isEqualTo(0.39375, org.assertj.core.api.Assertions.within(1e-15));
        assertThat(o.get("bins").getAsInt()).isEqualTo(4);
        for (String k : new String[] {"accuracy", "nll", "ece", "mce", "brier", "auroc_ovr"}) {
            assertThat(o.has(k)).as(k).isTrue();
        }
        assertThat(o.has("mutual_information")).isFalse();
    }

    @Test
    void jsonNumbersEqualTheLibraryExactly() throws IOException {
        // particles in float64, with OOD flags
        int k = 3;
        int n = 40;
        int c = 4;
        double[] parts = new double[k * n * c];
        java.util.Random rnd = new java.util.Random(3);
        for (int r = 0; r < k * n; r++) {
            double s = 0;
            for (int j = 0; j < c; j++) {
                parts[r * c + j] = Math.exp(2 * rnd.nextGaussian());
                s += parts[r * c + j];
            }
            for (int j = 0; j < c; j++) {
                parts[r * c + j] /= s;
            }
        }
        int[] y = new int[n];
        boolean[] ood = new boolean[n];
        for (int e = 0; e < n; e++) {
            y[e] = e % c;
            ood[e] = e % 5 == 0;
        }
        Path pp = dir.resolve("parts.npy");
        Path yy = dir.resolve("y.npy");
        Path oo = dir.resolve("ood.npy");
        Npy.write(pp, parts, k, n, c);
        Npy.write(yy, y, n);
        Npy.write(oo, ood, n);
        int code =
                run(
                        "metrics",
                        "--probs",
                        pp.toString(),
                        "--labels",
                        yy.toString(),
                        "--ood",
                        oo.toString(),
                        "--json");
        assertThat(code).as(err.toString()).isZero();
        MetricsReport expected =
                MetricsReport.builder()
                        .setParticleProbabilities(
                                ParticleProbabilities.of(
                                        MetricsCommand.float32(Npy.read(pp)), k, n, c))
                        .setLabels(y)
                        .optOod(ood)
                        .build();
        JsonObject o = json();
        for (Map.Entry<ReportMetric, Double> e : expected.values().entrySet()) {
            assertThat(o.get(e.getKey().key()).getAsDouble())
                    .as(e.getKey().key())
                    .isEqualTo(e.getValue());
        }
        for (String key :
                new String[] {
                    "predictive_entropy",
                    "aleatoric",
                    "mutual_information",
                    "ood_auroc_entropy",
                    "ood_auroc_mi",
                    "ood_aupr_entropy",
                    "ood_fpr95_entropy"
                }) {
            assertThat(o.has(key)).as(key).isTrue();
        }
        assertThat(o.get("particles").getAsInt()).isEqualTo(3);
        assertThat(o.get("in_distribution").getAsInt()).isEqualTo(32);
    }

    @Test
    void markdownAndPlots() {
        Path plots = dir.resolve("plots");
        int code =
                run(
                        "metrics",
                        "--probs",
                        probs.toString(),
                        "--labels",
                        labels.toString(),
                        "--plots",
                        plots.toString());
        assertThat(code).as(err.toString()).isZero();
        assertThat(out.toString()).contains("| metric | value |").contains("| accuracy | 0.6000 |");
        assertThat(plots.resolve("reliability.png")).isRegularFile();
        assertThat(plots.resolve("reliability.svg")).isRegularFile();
        assertThat(plots.resolve("entropy_histogram.png")).isRegularFile();
        assertThat(err.toString()).contains("wrote");
    }

    @Test
    void badInputLabelOutOfRange() throws IOException {
        Npy.write(labels, new int[] {0, 1, 7, 2, 2}, 5);
        assertThat(run("metrics", "--probs", probs.toString(), "--labels", labels.toString()))
                .isEqualTo(2);
        assertThat(err.toString()).contains("labels[2] = 7").contains("[0, 3)");
    }

    @Test
    void badInputShapesDisagree() throws IOException {
        Npy.write(labels, new int[] {0, 1, 2}, 3);
        assertThat(run("metrics", "--probs", probs.toString(), "--labels", labels.toString()))
                .isEqualTo(2);
        assertThat(err.toString())
                .contains("probs.npy has N = 5")
                .contains("labels.npy has 3 labels");
        Npy.write(probs, P, 15);
        assertThat(run("metrics", "--probs", probs.toString(), "--labels", labels.toString()))
                .isEqualTo(2);
        assertThat(err.toString()).contains("shape (N, C) or (n, N, C), got [15]");
    }

    @Test
    void badInputProbabilities() throws IOException {
        float[] p = P.clone();
        p[4] = Float.NaN;
        Npy.write(probs, p, 5, 3);
        assertThat(run("metrics", "--probs", probs.toString(), "--labels", labels.toString()))
                .isEqualTo(2);
        assertThat(err.toString()).contains("probs[1][1] = NaN");
    }

    @Test
    void badInputFiles() throws IOException {
        assertThat(
                        run(
                                "metrics",
                                "--probs",
                                dir.resolve("missing.npy").toString(),
                                "--labels",
                                labels.toString()))
                .isEqualTo(2);
        assertThat(err.toString()).contains("no such file").contains("missing.npy");
        Path junk = dir.resolve("junk.npy");
        Files.writeString(junk, "not numpy");
        assertThat(run("metrics", "--probs", junk.toString(), "--labels", labels.toString()))
                .isEqualTo(2);
        assertThat(err.toString()).contains("junk.npy: not a .npy file");
        Npy.write(labels, new float[] {0, 1, 2, 2, 2}, 5);
        assertThat(run("metrics", "--probs", probs.toString(), "--labels", labels.toString()))
                .isEqualTo(2);
        assertThat(err.toString()).contains("labels.npy: expected integer elements");
    }

    @Test
    void badInputOodAndBins() throws IOException {
        Path ood = dir.resolve("ood.npy");
        Npy.write(ood, new int[] {0, 1, 2, 0, 0}, 5);
        assertThat(
                        run(
                                "metrics",
                                "--probs",
                                probs.toString(),
                                "--labels",
                                labels.toString(),
                                "--ood",
                                ood.toString()))
                .isEqualTo(2);
        assertThat(err.toString()).contains("ood.npy: element 2 = 2 is not a 0/1 flag");
        assertThat(
                        run(
                                "metrics",
                                "--probs",
                                probs.toString(),
                                "--labels",
                                labels.toString(),
                                "--bins",
                                "0"))
                .isEqualTo(2);
        assertThat(err.toString()).contains("--bins").contains("value passed is 0");
        assertThat(run("metrics", "--labels", labels.toString())).isEqualTo(2);
        assertThat(err.toString()).contains("--probs");
    }
}
