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
package dev.bella.examples.study;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.bella.examples.cli.BellaCli;
import dev.bella.metrics.npy.Npy;
import dev.bella.metrics.npy.NpyArray;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./bella demo --json} on a small digits run (2 particles, 2 fine-tuning epochs): the JSON
 * last line, the mean and standard deviation over seeds, and the {@code .npy} files for {@code
 * ./bella metrics}.
 */
class StudyJsonTest {

    private static final List<String> METHODS =
            List.of("single", "ensemble", "svgd", "full-ensemble");

    private static final Set<String> KEYS =
            Set.of(
                    "accuracy",
                    "nll",
                    "ece",
                    "mce",
                    "brier",
                    "ood_auroc_entropy",
                    "ood_auroc_mi",
                    "misclassification_auroc",
                    "kl_to_mean",
                    "disagreement",
                    "weight_distance",
                    "fgsm",
                    "corrupted",
                    "trainable",
                    "stored_bytes",
                    "stored_values",
                    "train_seconds");

    @TempDir Path dir;

    /** Runs a small demo and returns its console output; fails on a non-zero exit code. */
    private String demo(Path out, String... more) {
        String[] base = {
            "demo",
            "--out",
            out.toString(),
            "--cache",
            dir.resolve("cache").toString(),
            "--particles",
            "2",
            "--epochs",
            "2",
            "--json"
        };
        String[] args = new String[base.length + more.length];
        System.arraycopy(base, 0, args, 0, base.length);
        System.arraycopy(more, 0, args, base.length, more.length);
        StringWriter console = new StringWriter();
        StringWriter err = new StringWriter();
        int code =
                BellaCli.newCommandLine()
                        .setOut(new PrintWriter(console))
                        .setErr(new PrintWriter(err))
                        .execute(args);
        assertThat(code).as(err.toString()).isZero();
        return console.toString();
    }

    private static JsonObject lastLine(String console) {
        String[] lines = console.strip().split("\n");
        return JsonParser.parseString(lines[lines.length - 1]).getAsJsonObject();
    }

    private static void checkShape(JsonObject m, String id) {
        assertThat(m.keySet()).as(id).containsAll(KEYS);
        assertThat(m.getAsJsonObject("fgsm").keySet())
                .containsExactly("0.001", "0.005", "0.01", "0.03");
        assertThat(m.getAsJsonObject("corrupted").keySet())
                .containsExactly("1", "2", "3", "4", "5");
        for (String k : KEYS) {
            JsonElement v = m.get(k);
            boolean undefinedForOne =
                    id.equals("single")
                            && Set.of("ood_auroc_mi", "kl_to_mean", "disagreement").contains(k);
            // Weight-space spread is of low-rank particles: none for one adapter, a full-rank
            // ensemble, or MC dropout (whose copies share one adapter; its spread is in the masks).
            boolean noLowRankSpread =
                    k.equals("weight_distance")
                            && Set.of("single", "full-ensemble", "mc-dropout").contains(id);
            if (undefinedForOne || noLowRankSpread) {
                assertThat(v.isJsonNull()).as(id + "." + k).isTrue();
            } else if (!v.isJsonObject()) {
                assertThat(v.isJsonPrimitive()).as(id + "." + k).isTrue();
                assertThat(v.getAsDouble()).as(id + "." + k).isFinite();
            } else {
                for (Map.Entry<String, JsonElement> e : v.getAsJsonObject().entrySet()) {
                    assertThat(e.getValue().getAsDouble()).as(id + "." + k).isBetween(0.0, 1.0);
                }
            }
        }
    }

    @Test
    void jsonLastLineHasEveryKeyAndTheNpyFilesLoadForMetrics() throws Exception {
        Path out = dir.resolve("out");
        JsonObject json = lastLine(demo(out));
        assertThat(json.keySet()).containsExactly("methods");
        JsonObject methods = json.getAsJsonObject("methods");
        assertThat(methods.keySet()).containsExactlyElementsOf(METHODS);
        for (String id : METHODS) {
            JsonObject m = methods.getAsJsonObject(id);
            checkShape(m, id);
            assertThat(m.keySet()).as(id).containsExactlyInAnyOrderElementsOf(KEYS);
            assertThat(m.get("accuracy").getAsDouble()).isGreaterThan(0.8);
            assertThat(m.get("misclassification_auroc").getAsDouble()).isBetween(0.0, 1.0);
        }
        assertThat(methods.getAsJsonObject("svgd").get("kl_to_mean").getAsDouble()).isPositive();
        assertThat(methods.getAsJsonObject("single").get("trainable").getAsLong())
                .isEqualTo(4 * (64 + 128) + 4 * (128 + 8));
        // The same object is in results.json.
        assertThat(JsonParser.parseString(Files.readString(out.resolve("results.json"))))
                .isEqualTo(json);
        // The .npy files: particles x N x C float32 per method, N labels and N OOD flags, with N
        // the test images then the OOD images (digits: 433 + 354, 8 classes).
        NpyArray labels = Npy.read(out.resolve("labels.npy"));
        NpyArray ood = Npy.read(out.resolve("ood.npy"));
        int n = labels.shape()[0];
        assertThat(labels.shape()).containsExactly(433 + 354);
        assertThat(ood.shape()).containsExactly(n);
        boolean[] flags = ood.toBooleanArray();
        int[] y = labels.toIntArray();
        int oodCount = 0;
        for (int j = 0; j < n; j++) {
            if (flags[j]) {
                oodCount++;
                assertThat(y[j]).isEqualTo(-1);
            } else {
                assertThat(y[j]).isBetween(0, 7);
            }
        }
        assertThat(oodCount).isEqualTo(354);
        for (String id : METHODS) {
            NpyArray p = Npy.read(out.resolve("probs-" + id + ".npy"));
            assertThat(p.shape()).as(id).containsExactly(id.equals("single") ? 1 : 2, n, 8);
            float[][][] probs = p.toFloatTensor();
            double sum = 0;
            for (float v : probs[0][0]) {
                sum += v;
            }
            assertThat(sum).isCloseTo(1.0, within(1e-5));
        }
        // ./bella metrics scores the study's output to the study's own numbers.
        StringWriter metrics = new StringWriter();
        int code =
                BellaCli.newCommandLine()
                        .setOut(new PrintWriter(metrics))
                        .execute(
                                "metrics",
                                "--probs",
                                out.resolve("probs-svgd.npy").toString(),
                                "--labels",
                                out.resolve("labels.npy").toString(),
                                "--ood",
                                out.resolve("ood.npy").toString(),
                                "--json");
        assertThat(code).isZero();
        JsonObject scored = JsonParser.parseString(metrics.toString()).getAsJsonObject();
        JsonObject svgd = methods.getAsJsonObject("svgd");
        assertThat(scored.toString())
                .contains(svgd.get("accuracy").toString())
                .contains(svgd.get("ood_auroc_entropy").toString());
        // The report has the new tables and the correct-vs-incorrect histograms.
        String report = Files.readString(out.resolve("report.md"));
        assertThat(report)
                .contains("MCE bin n")
                .contains("misclassification AUROC (entropy)")
                .contains("KL to mean");
        assertThat(out.resolve("plots/svgd-bella-n-2/misclassification_entropy.png")).exists();
    }

    @Test
    void seedsGiveTheMeanAndStdOfTheRuns() throws Exception {
        Path out = dir.resolve("seeds");
        String console = demo(out, "--seeds", "2", "--methods", "single,svgd");
        JsonObject methods = lastLine(console).getAsJsonObject("methods");
        assertThat(methods.keySet()).containsExactly("single", "svgd");
        JsonObject run0 =
                JsonParser.parseString(Files.readString(out.resolve("seed-0/results.json")))
                        .getAsJsonObject()
                        .getAsJsonObject("methods");
        JsonObject run1 =
                JsonParser.parseString(Files.readString(out.resolve("seed-1/results.json")))
                        .getAsJsonObject()
                        .getAsJsonObject("methods");
        for (String id : List.of("single", "svgd")) {
            JsonObject m = methods.getAsJsonObject(id);
            checkShape(m, id);
            assertThat(m.keySet()).containsAll(KEYS).contains("std");
            JsonObject std = m.getAsJsonObject("std");
            assertThat(std.keySet()).containsExactlyInAnyOrderElementsOf(KEYS);
            compare(m, std, run0.getAsJsonObject(id), run1.getAsJsonObject(id), id);
        }
        // The two seeds differ (another split, base and initialisation).
        assertThat(methods.getAsJsonObject("svgd").getAsJsonObject("std").get("nll").getAsDouble())
                .isPositive();
        assertThat(Files.readString(out.resolve("summary.md"))).contains("±").contains("SVGD");
        assertThat(out.resolve("seed-1/probs-svgd.npy")).exists();
    }

    /**
     * Every number of {@code mean} is (a + b) / 2 and of {@code std} |a - b| / sqrt(2) (the sample
     * standard deviation of two values); nulls stay null.
     */
    private static void compare(
            JsonObject mean, JsonObject std, JsonObject a, JsonObject b, String path) {
        for (String k : a.keySet()) {
            JsonElement x = a.get(k);
            JsonElement y = b.get(k);
            if (x.isJsonObject()) {
                compare(
                        mean.getAsJsonObject(k),
                        std.getAsJsonObject(k),
                        x.getAsJsonObject(),
                        y.getAsJsonObject(),
                        path + "." + k);
            } else if (x.isJsonNull() || y.isJsonNull()) {
                assertThat(mean.get(k).isJsonNull()).as(path + "." + k).isTrue();
                assertThat(std.get(k).isJsonNull()).as(path + "." + k).isTrue();
            } else {
                double u = x.getAsDouble();
                double v = y.getAsDouble();
                assertThat(mean.get(k).getAsDouble())
                        .as(path + "." + k)
                        .isCloseTo((u + v) / 2, within(1e-12));
                assertThat(std.get(k).getAsDouble())
                        .as(path + "." + k)
                        .isCloseTo(Math.abs(u - v) / Math.sqrt(2), within(1e-12));
            }
        }
    }

    /**
     * {@code --methods all}: the paper's other posteriors run in the study and report every key,
     * finite, with the posterior's sample count in their probability files (2 particles, 2 epochs:
     * VBL, VI and MC dropout draw S = n = 2 samples; SGLD keeps 4 snapshots of 2 chains).
     */
    @Test
    void allMethodsReportEveryKeyWithTheirSampleCounts() throws Exception {
        Path out = dir.resolve("all");
        JsonObject methods = lastLine(demo(out, "--methods", "all")).getAsJsonObject("methods");
        assertThat(methods.keySet())
                .containsExactly(
                        "single",
                        "ensemble",
                        "svgd",
                        "full-ensemble",
                        "vbl",
                        "vi",
                        "sgld",
                        "mc-dropout",
                        "lora-swag",
                        "blora-xs");
        long adapter = 4 * (64 + 128) + 4 * (128 + 8);
        Map<String, Integer> samples =
                Map.of(
                        "vbl",
                        2,
                        "vi",
                        2,
                        "sgld",
                        4 * 2,
                        "mc-dropout",
                        2,
                        "lora-swag",
                        2,
                        "blora-xs",
                        2);
        long cores = 2 * 4 * 4; // r^2 per layer
        Map<String, Long> trainable =
                Map.of(
                        "vbl",
                        adapter,
                        "vi",
                        2 * adapter,
                        "sgld",
                        2 * adapter,
                        "mc-dropout",
                        adapter,
                        "lora-swag",
                        adapter,
                        "blora-xs",
                        cores);
        // the posterior's own form: MAP + diagonal precision, 4 snapshots x 2 chains, (K + 2)
        // adapters for SWAG (K = 10)
        Map<String, Long> storedValues =
                Map.of(
                        "vbl",
                        2 * adapter,
                        "vi",
                        2 * adapter,
                        "sgld",
                        4 * 2 * adapter,
                        "mc-dropout",
                        adapter,
                        "lora-swag",
                        12 * adapter,
                        "blora-xs",
                        12 * cores);
        for (String id : methods.keySet()) {
            JsonObject m = methods.getAsJsonObject(id);
            checkShape(m, id);
            assertThat(m.keySet()).as(id).containsExactlyInAnyOrderElementsOf(KEYS);
            assertThat(m.get("stored_bytes").getAsLong()).as(id).isPositive();
        }
        for (Map.Entry<String, Integer> e : samples.entrySet()) {
            String id = e.getKey();
            JsonObject m = methods.getAsJsonObject(id);
            assertThat(m.get("trainable").getAsLong()).as(id).isEqualTo(trainable.get(id));
            assertThat(m.get("stored_values").getAsLong()).as(id).isEqualTo(storedValues.get(id));
            assertThat(m.get("kl_to_mean").getAsDouble()).as(id).isPositive();
            if (!id.equals("mc-dropout")) {
                // distinct samples of the adapters
                assertThat(m.get("weight_distance").getAsDouble()).as(id).isPositive();
            }
            NpyArray p = Npy.read(out.resolve("probs-" + id + ".npy"));
            assertThat(p.shape()).as(id).containsExactly(e.getValue(), 433 + 354, 8);
        }
        // VI, SGLD and MC dropout fit the digits as the single adapter does.
        for (String id : List.of("vi", "sgld", "mc-dropout", "lora-swag", "blora-xs")) {
            assertThat(methods.getAsJsonObject(id).get("accuracy").getAsDouble())
                    .as(id)
                    .isGreaterThan(0.8);
        }
    }

    /**
     * {@code --methods lora-swag} and {@code blora-xs} on a short run: SWAG over one adapter trains
     * the adapter's values (B-LoRA-XS: \( r^2 \) per layer), stores {@code (K + 2)} adapters in its
     * own form (K = 10), and predicts with {@code S = n} distinct draws that fit the digits.
     */
    @Test
    void loraSwagRunsOnDigitsAndReportsItsStorage() throws Exception {
        Path out = dir.resolve("swag");
        JsonObject methods =
                lastLine(demo(out, "--methods", "single,lora-swag,blora-xs"))
                        .getAsJsonObject("methods");
        assertThat(methods.keySet()).containsExactly("single", "lora-swag", "blora-xs");
        JsonObject xs = methods.getAsJsonObject("blora-xs");
        checkShape(xs, "blora-xs");
        assertThat(xs.get("trainable").getAsLong()).isEqualTo(2 * 4 * 4);
        assertThat(xs.get("stored_values").getAsLong())
                .isEqualTo((StudyMethods.SWAG_RANK + 2) * 2 * 4 * 4);
        assertThat(xs.get("weight_distance").getAsDouble()).isPositive();
        assertThat(xs.get("accuracy").getAsDouble()).isGreaterThan(0.8);
        assertThat(Npy.read(out.resolve("probs-blora-xs.npy")).shape())
                .containsExactly(2, 433 + 354, 8);
        long adapter = 4 * (64 + 128) + 4 * (128 + 8);
        JsonObject single = methods.getAsJsonObject("single");
        assertThat(single.get("stored_values").getAsLong()).isEqualTo(adapter);
        JsonObject swag = methods.getAsJsonObject("lora-swag");
        checkShape(swag, "lora-swag");
        assertThat(swag.get("trainable").getAsLong()).isEqualTo(adapter);
        assertThat(swag.get("stored_values").getAsLong())
                .isEqualTo((StudyMethods.SWAG_RANK + 2) * adapter);
        assertThat(swag.get("weight_distance").getAsDouble()).isPositive();
        assertThat(swag.get("kl_to_mean").getAsDouble()).isPositive();
        assertThat(swag.get("accuracy").getAsDouble()).isGreaterThan(0.8);
        NpyArray p = Npy.read(out.resolve("probs-lora-swag.npy"));
        assertThat(p.shape()).containsExactly(2, 433 + 354, 8);
    }
}
