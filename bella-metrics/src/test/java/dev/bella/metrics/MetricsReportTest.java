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
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.bella.metrics.render.JsonRenderer;
import dev.bella.metrics.render.MarkdownRenderer;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MetricsReportTest {

    static final double[][] P = ClassificationMetricsTest.P;
    static final int[] Y = ClassificationMetricsTest.Y;

    @Test
    void singleModelReportHasTheClassificationKeys() {
        MetricsReport r =
                MetricsReport.builder().setProbabilities(m(P)).setLabels(Y).optBins(4).build();
        assertThat(r.examples()).isEqualTo(5);
        assertThat(r.particles()).isEqualTo(1);
        assertThat(r.values())
                .containsKeys(
                        ReportMetric.ACCURACY,
                        ReportMetric.NLL,
                        ReportMetric.ECE,
                        ReportMetric.MCE,
                        ReportMetric.BRIER,
                        ReportMetric.AUROC_OVR,
                        ReportMetric.PREDICTIVE_ENTROPY)
                .doesNotContainKeys(
                        ReportMetric.MUTUAL_INFORMATION, ReportMetric.OOD_AUROC_ENTROPY);
        assertThat(r.values().get(ReportMetric.ECE))
                .isEqualTo(ClassificationMetrics.of(m(P), Y, 4).ece());
        assertThat(r.diversity()).isEmpty();
        assertThat(r.hasParticles()).isFalse();
        assertThat(r.mutualInformation()).isEmpty();
        assertThatThrownBy(() -> r.values().put(ReportMetric.ECE, 0.0))
                .isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void jsonNumbersReadBackExactly() {
        MetricsReport r = MetricsReport.builder().setProbabilities(m(P)).setLabels(Y).build();
        JsonObject o = JsonParser.parseString(JsonRenderer.render(r)).getAsJsonObject();
        for (Map.Entry<ReportMetric, Double> e : r.values().entrySet()) {
            assertThat(o.has(e.getKey().key())).as(e.getKey().key()).isTrue();
            assertThat(o.get(e.getKey().key()).getAsDouble()).isEqualTo(e.getValue());
        }
        assertThat(o.get("nll").getAsDouble()).isEqualTo(r.classification().nll());
        assertThat(o.get("examples").getAsInt()).isEqualTo(5);
        assertThat(o.get("bins").getAsInt()).isEqualTo(15);
        assertThat(o.getAsJsonArray("reliability")).hasSize(15);
        // an empty bin has null mean confidence and accuracy
        assertThat(
                        o.getAsJsonArray("reliability")
                                .get(0)
                                .getAsJsonObject()
                                .get("accuracy")
                                .isJsonNull())
                .isTrue();
    }

    @Test
    void undefinedMetricIsNullWithAWarning() {
        // class 2 never occurs: one-vs-rest AUROC of class 2 is undefined
        double[][] p = {{0.5, 0.25, 0.25}, {0.25, 0.5, 0.25}};
        MetricsReport r =
                MetricsReport.builder().setProbabilities(m(p)).setLabels(new int[] {0, 1}).build();
        assertThat(r.get(ReportMetric.AUROC_OVR)).isEmpty();
        assertThat(r.get(ReportMetric.ACCURACY)).contains(1.0);
        assertThat(r.warnings())
                .anySatisfy(w -> assertThat(w).contains("auroc_ovr").contains("class 2"));
        JsonObject o = JsonParser.parseString(JsonRenderer.render(r)).getAsJsonObject();
        assertThat(o.get("auroc_ovr").isJsonNull()).isTrue();
        assertThat(MarkdownRenderer.render(r))
                .contains("| AUROC (macro one-vs-rest) | n/a |")
                .contains("warning:");
    }

    @Test
    void particleReportWithOodUsesInDistributionForClassification() {
        // 2 particles, 3 examples; example 2 is OOD with label -1 (ignored)
        float[][][] parts = {
            {{1, 0}, {0.75f, 0.25f}, {1, 0}},
            {{1, 0}, {0.25f, 0.75f}, {0, 1}}
        };
        boolean[] ood = {false, false, true};
        MetricsReport r =
                MetricsReport.builder()
                        .setParticleProbabilities(pp(parts))
                        .setLabels(new int[] {0, 1, -1})
                        .optOod(ood)
                        .build();
        assertThat(r.inDistribution()).isEqualTo(2);
        assertThat(r.particles()).isEqualTo(2);
        // p_bar = [1, 0] (label 0, right) and [.5, .5] (label 1, wrong: first argmax is 0)
        assertThat(r.get(ReportMetric.ACCURACY)).contains(0.5);
        // MI per example: 0, MI([.75,.25],[.25,.75]) > 0, ln 2 for the OOD one: MI ranks the OOD
        // example highest -> AUROC 1; entropy: ln 2 for examples 1 and 2 (tie) -> (1 + .5) / 2
        assertThat(r.get(ReportMetric.OOD_AUROC_MI)).contains(1.0);
        assertThat(r.get(ReportMetric.OOD_AUROC_ENTROPY)).contains(0.75);
        assertThat(r.inDistribution()).isEqualTo(2);
        assertThat(r.diversity()).hasSize(2);
        assertThat(r.predictiveEntropy()).hasSize(3);
        assertThat(r.mutualInformation()).hasSize(3);
        JsonObject o = JsonParser.parseString(JsonRenderer.render(r)).getAsJsonObject();
        for (String k :
                new String[] {
                    "predictive_entropy",
                    "aleatoric",
                    "mutual_information",
                    "ood_auroc_entropy",
                    "ood_auroc_mi",
                    "ood_aupr_entropy",
                    "ood_fpr95_entropy"
                }) {
            assertThat(o.has(k)).as(k).isTrue();
        }
        assertThat(o.getAsJsonArray("diversity")).hasSize(2);
        String md = MarkdownRenderer.render(r);
        assertThat(md)
                .contains("| accuracy | 0.5000 |")
                .contains("n = 2 particles")
                .contains("| 14 | [0.9333, 1.0000] |");
    }

    @Test
    void badInput() {
        assertThatThrownBy(() -> MetricsReport.builder().setLabels(Y).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("exactly one");
        assertThatThrownBy(() -> MetricsReport.builder().setProbabilities(m(P)).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("labels not set");
        assertThatThrownBy(
                        () ->
                                MetricsReport.builder()
                                        .setProbabilities(m(P))
                                        .setLabels(Y)
                                        .optOod(new boolean[2])
                                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ood.length = 2");
        assertThatThrownBy(
                        () ->
                                MetricsReport.builder()
                                        .setProbabilities(m(P))
                                        .setLabels(Y)
                                        .optBins(0)
                                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("bins");
        boolean[] allOod = {true, true, true, true, true};
        assertThatThrownBy(
                        () ->
                                MetricsReport.builder()
                                        .setProbabilities(m(P))
                                        .setLabels(Y)
                                        .optOod(allOod)
                                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no in-distribution example");
        assertThatThrownBy(
                        () ->
                                MetricsReport.builder()
                                        .setProbabilities(m(new float[0][]))
                                        .setLabels(new int[0])
                                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("empty");
    }

    @Test
    void closedFormUncertaintyIsScoredLikeParticles() {
        float[] p = {0.9f, 0.1f, 0.6f, 0.4f, 0.5f, 0.5f, 0.7f, 0.3f};
        double[] aleatoric = {0.1, 0.3, 0.5, 0.2};
        double[] mi = {0.01, 0.2, 0.4, 0.05};
        boolean[] ood = {false, true, true, false};
        MetricsReport r =
                MetricsReport.builder()
                        .setProbabilities(ProbabilityMatrix.of(p, 4, 2))
                        .setLabels(new int[] {0, -1, -1, 1})
                        .optOod(ood)
                        .optUncertainty(aleatoric, mi)
                        .build();
        assertThat(r.hasClosedFormUncertainty()).isTrue();
        assertThat(r.hasParticles()).isTrue();
        assertThat(r.particles()).isEqualTo(1);
        assertThat(r.mutualInformation()).containsExactly(0.01, 0.2, 0.4, 0.05);
        // MI ranks both OOD examples above both in-distribution ones: AUROC 1.
        assertThat(r.get(ReportMetric.OOD_AUROC_MI)).contains(1.0);
        // means over the in-distribution examples only (0 and 3)
        assertThat(r.get(ReportMetric.MUTUAL_INFORMATION).orElseThrow())
                .isCloseTo(0.03, org.assertj.core.api.Assertions.offset(1e-12));
        assertThat(r.get(ReportMetric.ALEATORIC).orElseThrow())
                .isCloseTo(0.15, org.assertj.core.api.Assertions.offset(1e-12));
        assertThat(r.get(ReportMetric.DISAGREEMENT)).isEmpty();
        assertThat(r.diversity()).isEmpty();
        MetricsReport plain =
                MetricsReport.builder()
                        .setProbabilities(ProbabilityMatrix.of(p, 4, 2))
                        .setLabels(new int[] {0, -1, -1, 1})
                        .optOod(ood)
                        .build();
        assertThat(plain.hasClosedFormUncertainty()).isFalse();
        assertThat(plain.get(ReportMetric.OOD_AUROC_MI)).isEmpty();
        assertThatThrownBy(
                        () ->
                                MetricsReport.builder()
                                        .setProbabilities(ProbabilityMatrix.of(p, 4, 2))
                                        .setLabels(new int[] {0, 1, 1, 1})
                                        .optUncertainty(
                                                aleatoric, new double[] {0, Double.NaN, 0, 0})
                                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("mutualInformation[1] = NaN");
        assertThatThrownBy(
                        () ->
                                MetricsReport.builder()
                                        .setProbabilities(ProbabilityMatrix.of(p, 4, 2))
                                        .setLabels(new int[] {0, 1, 1, 1})
                                        .optUncertainty(aleatoric, new double[] {0, 0})
                                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("mutualInformation");
    }
}
