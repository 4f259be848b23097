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
package dev.bella.metrics;

import static dev.bella.metrics.TestViews.m;
import static dev.bella.metrics.TestViews.pp;
import static dev.bella.metrics.TestViews.s;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Compares with reference values computed independently by {@code tools/metrics/make_fixtures.py}
 * (NumPy and scikit-learn 1.2) on seeded random float32 inputs.
 */
class FixtureTest {

    /** Reference values are float64 computations on the same float32 inputs. */
    static final double TOL = 1e-12;

    static JsonObject load(String name) {
        try (InputStream in =
                FixtureTest.class.getResourceAsStream("/fixtures/" + name + ".json")) {
            assertThat(in).as("fixture %s (run tools/metrics/make_fixtures.py)", name).isNotNull();
            return JsonParser.parseReader(new InputStreamReader(in, StandardCharsets.UTF_8))
                    .getAsJsonObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static float[][] matrix(JsonArray flat, int n, int c) {
        float[][] p = new float[n][c];
        for (int i = 0; i < n * c; i++) {
            p[i / c][i % c] = flat.get(i).getAsFloat();
        }
        return p;
    }

    static int[] ints(JsonArray a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsInt();
        }
        return out;
    }

    static double[] doubles(JsonArray a) {
        double[] out = new double[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsDouble();
        }
        return out;
    }

    static boolean[] flags(JsonArray a) {
        boolean[] out = new boolean[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsInt() == 1;
        }
        return out;
    }

    static void assertClassification(ClassificationResult r, JsonObject ref) {
        assertThat(r.accuracy()).isCloseTo(ref.get("accuracy").getAsDouble(), within(TOL));
        assertThat(r.nll()).isCloseTo(ref.get("nll").getAsDouble(), within(TOL));
        assertThat(r.brier()).isCloseTo(ref.get("brier").getAsDouble(), within(TOL));
        assertThat(r.ece()).isCloseTo(ref.get("ece").getAsDouble(), within(TOL));
        assertThat(r.mce()).isCloseTo(ref.get("mce").getAsDouble(), within(TOL));
        JsonArray counts = ref.getAsJsonArray("bin_counts");
        JsonArray conf = ref.getAsJsonArray("bin_mean_confidence");
        JsonArray acc = ref.getAsJsonArray("bin_accuracy");
        List<ReliabilityDiagram.Bin> bins = r.reliability().bins();
        assertThat(bins).hasSize(counts.size());
        for (int b = 0; b < bins.size(); b++) {
            assertThat(bins.get(b).count())
                    .as("bin %d count", b)
                    .isEqualTo(counts.get(b).getAsLong());
            if (conf.get(b).isJsonNull()) {
                assertThat(bins.get(b).meanConfidence()).isNaN();
                assertThat(bins.get(b).accuracy()).isNaN();
            } else {
                assertThat(bins.get(b).meanConfidence())
                        .isCloseTo(conf.get(b).getAsDouble(), within(TOL));
                assertThat(bins.get(b).accuracy()).isCloseTo(acc.get(b).getAsDouble(), within(TOL));
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"multiclass_small", "multiclass_large"})
    void multiclassMatchesNumpyAndSklearn(String name) {
        JsonObject f = load(name);
        int n = f.get("n").getAsInt();
        int c = f.get("c").getAsInt();
        float[][] p = matrix(f.getAsJsonArray("probs"), n, c);
        int[] y = ints(f.getAsJsonArray("labels"));
        for (Map.Entry<String, JsonElement> e : f.getAsJsonObject("by_bins").entrySet()) {
            int bins = Integer.parseInt(e.getKey());
            assertClassification(
                    ClassificationMetrics.of(m(p), y, bins), e.getValue().getAsJsonObject());
        }
        assertThat(Ranking.macroAurocOvr(m(p), y))
                .isCloseTo(f.get("auroc_ovr").getAsDouble(), within(TOL));
        // our NLL equals sklearn's log_loss when no probability needs clipping
        assertThat(ClassificationMetrics.of(m(p), y).nll())
                .isCloseTo(f.get("sklearn_log_loss").getAsDouble(), within(1e-9));
        JsonObject mis = f.getAsJsonObject("misclassification_entropy");
        DetectionResult d =
                DetectionMetrics.of(
                        s(Uncertainty.entropy(m(p))), Probabilities.misclassified(m(p), y));
        assertThat(d.auroc()).isCloseTo(mis.get("auroc").getAsDouble(), within(TOL));
        assertThat(d.aupr()).isCloseTo(mis.get("aupr").getAsDouble(), within(TOL));
        assertThat(d.fpr95()).isCloseTo(mis.get("fpr95").getAsDouble(), within(TOL));
    }

    @Test
    void binaryMatchesSklearn() {
        JsonObject f = load("binary");
        float[] q = new float[f.get("n").getAsInt()];
        JsonArray qa = f.getAsJsonArray("positive");
        for (int i = 0; i < q.length; i++) {
            q[i] = qa.get(i).getAsFloat();
        }
        int[] y = ints(f.getAsJsonArray("labels"));
        ClassificationResult r = ClassificationMetrics.of(Probabilities.twoClass(q), y);
        assertClassification(r, f.getAsJsonObject("by_bins").getAsJsonObject("15"));
        // for two classes the halved Brier score is sklearn's brier_score_loss (float32 1 - q is
        // rounded, so allow float32 rounding here)
        assertThat(r.brierHalved())
                .isCloseTo(f.get("sklearn_brier_score_loss").getAsDouble(), within(1e-7));
        double[] scores = new double[q.length];
        boolean[] pos = new boolean[q.length];
        for (int i = 0; i < q.length; i++) {
            scores[i] = q[i];
            pos[i] = y[i] == 1;
        }
        assertThat(Ranking.auroc(s(scores), pos))
                .isCloseTo(f.get("sklearn_roc_auc").getAsDouble(), within(TOL));
    }

    @ParameterizedTest
    @ValueSource(strings = {"ranking_ties", "ranking_continuous"})
    void rankingMatchesSklearn(String name) {
        JsonObject f = load(name);
        double[] s = doubles(f.getAsJsonArray("scores"));
        boolean[] pos = flags(f.getAsJsonArray("positive"));
        DetectionResult r = DetectionMetrics.of(s(s), pos);
        assertThat(r.auroc()).isCloseTo(f.get("auroc").getAsDouble(), within(TOL));
        assertThat(r.aupr()).isCloseTo(f.get("aupr").getAsDouble(), within(TOL));
        assertThat(r.fpr95()).isCloseTo(f.get("fpr95").getAsDouble(), within(TOL));
        assertThat(Ranking.fprAtTpr(s(s), pos, 0.8))
                .isCloseTo(f.get("fpr80").getAsDouble(), within(TOL));
    }

    static float[][][] particles(JsonObject f) {
        int k = f.get("particles").getAsInt();
        int n = f.get("n").getAsInt();
        int c = f.get("c").getAsInt();
        JsonArray flat = f.getAsJsonArray("probs");
        float[][][] p = new float[k][n][c];
        for (int i = 0; i < k * n * c; i++) {
            p[i / (n * c)][(i / c) % n][i % c] = flat.get(i).getAsFloat();
        }
        return p;
    }

    @Test
    void uncertaintyMatchesNumpy() {
        JsonObject f = load("particles");
        UncertaintyScores s = Uncertainty.of(pp(particles(f)));
        double[] h = doubles(f.getAsJsonArray("predictive_entropy"));
        double[] a = doubles(f.getAsJsonArray("aleatoric"));
        double[] mi = doubles(f.getAsJsonArray("mutual_information"));
        double[] dis = doubles(f.getAsJsonArray("disagreement"));
        for (int n = 0; n < h.length; n++) {
            assertThat(s.predictiveEntropy()[n]).as("H[%d]", n).isCloseTo(h[n], within(TOL));
            assertThat(s.aleatoric()[n]).as("aleatoric[%d]", n).isCloseTo(a[n], within(TOL));
            assertThat(s.mutualInformation()[n]).as("MI[%d]", n).isCloseTo(mi[n], within(TOL));
            assertThat(s.disagreement()[n]).as("disagreement[%d]", n).isEqualTo(dis[n]);
        }
        UncertaintyResult m = s.means();
        assertThat(m.predictiveEntropy())
                .isCloseTo(f.get("mean_predictive_entropy").getAsDouble(), within(TOL));
        assertThat(m.aleatoric()).isCloseTo(f.get("mean_aleatoric").getAsDouble(), within(TOL));
        assertThat(m.mutualInformation())
                .isCloseTo(f.get("mean_mutual_information").getAsDouble(), within(TOL));
        assertThat(m.disagreement())
                .isCloseTo(f.get("mean_disagreement").getAsDouble(), within(TOL));
        double[] div = doubles(f.getAsJsonArray("diversity"));
        for (int i = 0; i < div.length; i++) {
            assertThat(m.diversity().get(i)).isCloseTo(div[i], within(TOL));
        }
    }

    @Test
    void reportMatchesNumpyAndSklearn() {
        JsonObject f = load("particles");
        MetricsReport r =
                MetricsReport.builder()
                        .setParticleProbabilities(pp(particles(f)))
                        .setLabels(ints(f.getAsJsonArray("labels")))
                        .optOod(flags(f.getAsJsonArray("ood")))
                        .build();
        assertClassification(r.classification(), f.getAsJsonObject("report_in_distribution"));
        assertThat(r.values().get(ReportMetric.AUROC_OVR))
                .isCloseTo(f.get("report_auroc_ovr").getAsDouble(), within(TOL));
        assertThat(r.values().get(ReportMetric.PREDICTIVE_ENTROPY))
                .isCloseTo(f.get("report_mean_predictive_entropy").getAsDouble(), within(TOL));
        assertThat(r.values().get(ReportMetric.ALEATORIC))
                .isCloseTo(f.get("report_mean_aleatoric").getAsDouble(), within(TOL));
        assertThat(r.values().get(ReportMetric.MUTUAL_INFORMATION))
                .isCloseTo(f.get("report_mean_mutual_information").getAsDouble(), within(TOL));
        JsonObject oe = f.getAsJsonObject("report_ood_entropy");
        assertThat(r.values().get(ReportMetric.OOD_AUROC_ENTROPY))
                .isCloseTo(oe.get("auroc").getAsDouble(), within(TOL));
        assertThat(r.values().get(ReportMetric.OOD_AUPR_ENTROPY))
                .isCloseTo(oe.get("aupr").getAsDouble(), within(TOL));
        assertThat(r.values().get(ReportMetric.OOD_FPR95_ENTROPY))
                .isCloseTo(oe.get("fpr95").getAsDouble(), within(TOL));
        JsonObject om = f.getAsJsonObject("report_ood_mi");
        assertThat(r.values().get(ReportMetric.OOD_AUROC_MI))
                .isCloseTo(om.get("auroc").getAsDouble(), within(1e-9));
        assertThat(r.values().get(ReportMetric.OOD_AUPR_MI))
                .isCloseTo(om.get("aupr").getAsDouble(), within(1e-9));
        assertThat(r.values().get(ReportMetric.OOD_FPR95_MI))
                .isCloseTo(om.get("fpr95").getAsDouble(), within(1e-9));
        assertThat(r.warnings()).isEmpty();
    }
}
