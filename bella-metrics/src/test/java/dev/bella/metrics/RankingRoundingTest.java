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

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Rank metrics stay in [0, 1] and agree with an exact computation for perfect, reversed and tied
 * separations, for every number of positives from 1 to 200 and several numbers of negatives (issue
 * 10: AUPR rounded to 1.0000000000000002 for 86 of the sizes with perfect separation, and the
 * report then showed n/a).
 */
class RankingRoundingTest {

    static final int MAX_POSITIVES = 200;
    static final int[] NEGATIVES = {1, 2, 7, 50, 199};
    static final MathContext MC = new MathContext(40);

    /** Average precision computed exactly (40 significant digits) from the definition. */
    static BigDecimal exactAp(double[] scores, boolean[] positive) {
        Integer[] order = new Integer[scores.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Double.compare(scores[b], scores[a]));
        long total = 0;
        for (boolean b : positive) {
            total += b ? 1 : 0;
        }
        BigDecimal sum = BigDecimal.ZERO;
        long tp = 0;
        long fp = 0;
        int k = 0;
        while (k < order.length) {
            double t = scores[order[k]];
            long dtp = 0;
            while (k < order.length && scores[order[k]] == t) {
                if (positive[order[k]]) {
                    dtp++;
                } else {
                    fp++;
                }
                k++;
            }
            tp += dtp;
            if (dtp > 0) {
                sum =
                        sum.add(
                                BigDecimal.valueOf(dtp * tp)
                                        .divide(BigDecimal.valueOf(tp + fp), MC),
                                MC);
            }
        }
        return sum.divide(BigDecimal.valueOf(total), MC);
    }

    static void check(String what, double[] s, boolean[] pos, double ap, double auroc, double fpr) {
        DetectionResult r = DetectionMetrics.of(Scores.of(s), pos); // rejects values outside [0, 1]
        assertThat(r.aupr()).as("%s: aupr", what).isBetween(0.0, 1.0);
        assertThat(Math.abs(r.aupr() - ap))
                .as("%s: |aupr - %s|", what, ap)
                .isLessThanOrEqualTo(ap == 1.0 ? 0.0 : 2 * Math.ulp(ap));
        assertThat(r.auroc()).as("%s: auroc", what).isEqualTo(auroc);
        assertThat(r.fpr95()).as("%s: fpr95", what).isEqualTo(fpr);
        assertThat(Ranking.aupr(Scores.of(s), pos))
                .as("%s: Ranking.aupr", what)
                .isEqualTo(r.aupr());
        double exact = exactAp(s, pos).doubleValue();
        assertThat(Math.abs(r.aupr() - exact)).as("%s: |aupr - exact|", what).isLessThan(1e-14);
    }

    @Test
    void perfectSeparationGivesExactlyOne() {
        for (int p = 1; p <= MAX_POSITIVES; p++) {
            for (int q : NEGATIVES) {
                double[] s = new double[p + q];
                boolean[] pos = new boolean[p + q];
                for (int i = 0; i < p; i++) {
                    s[i] = 1000.0 + i; // distinct positive scores: one threshold each
                    pos[i] = true;
                }
                for (int j = 0; j < q; j++) {
                    s[p + j] = j * 0.5;
                }
                check("perfect p=" + p + " q=" + q, s, pos, 1.0, 1.0, 0.0);
            }
        }
    }

    @Test
    void reversedSeparationMatchesTheClosedForm() {
        for (int p = 1; p <= MAX_POSITIVES; p++) {
            for (int q : NEGATIVES) {
                double[] s = new double[p + q];
                boolean[] pos = new boolean[p + q];
                for (int i = 0; i < p; i++) {
                    s[i] = -1000.0 - i;
                    pos[i] = true;
                }
                for (int j = 0; j < q; j++) {
                    s[p + j] = j;
                }
                // AP = (1/P) sum_{k=1..P} k / (Q + k)
                BigDecimal closed = BigDecimal.ZERO;
                for (int k = 1; k <= p; k++) {
                    closed =
                            closed.add(
                                    BigDecimal.valueOf(k).divide(BigDecimal.valueOf(q + k), MC),
                                    MC);
                }
                double expected = closed.divide(BigDecimal.valueOf(p), MC).doubleValue();
                DetectionResult r = DetectionMetrics.of(Scores.of(s), pos);
                String what = "reversed p=" + p + " q=" + q;
                assertThat(r.auroc()).as("%s: auroc", what).isEqualTo(0.0);
                assertThat(r.fpr95()).as("%s: fpr95", what).isEqualTo(1.0);
                assertThat(r.aupr()).as("%s: aupr", what).isBetween(0.0, 1.0);
                assertThat(Math.abs(r.aupr() - expected)).as("%s", what).isLessThan(1e-14);
                assertThat(Math.abs(exactAp(s, pos).doubleValue() - expected)).isLessThan(1e-15);
            }
        }
    }

    @Test
    void allTiedGivesThePositiveRate() {
        for (int p = 1; p <= MAX_POSITIVES; p++) {
            for (int q : NEGATIVES) {
                double[] s = new double[p + q];
                Arrays.fill(s, 0.25);
                boolean[] pos = new boolean[p + q];
                Arrays.fill(pos, 0, p, true);
                double rate = (double) p / (p + q);
                check("tied p=" + p + " q=" + q, s, pos, rate, 0.5, 1.0);
            }
        }
    }

    @Test
    void randomTiesStayInRangeAndAgreeWithTheExactValue() {
        SplittableRandom rng = new SplittableRandom(10);
        for (int p = 1; p <= MAX_POSITIVES; p++) {
            int q = 1 + rng.nextInt(60);
            double[] s = new double[p + q];
            boolean[] pos = new boolean[p + q];
            for (int i = 0; i < s.length; i++) {
                s[i] = rng.nextInt(8); // many ties between and within the classes
                pos[i] = i < p;
            }
            DetectionResult r = DetectionMetrics.of(Scores.of(s), pos);
            assertThat(r.aupr()).isBetween(0.0, 1.0);
            assertThat(r.auroc()).isBetween(0.0, 1.0);
            assertThat(Math.abs(r.aupr() - exactAp(s, pos).doubleValue()))
                    .as("random ties p=%d q=%d", p, q)
                    .isLessThan(1e-14);
        }
    }

    @Test
    void theReportShowsAuprWhenTheSeparationIsPerfect() {
        for (int p = 1; p <= MAX_POSITIVES; p++) {
            int id = 3;
            int n = p + id;
            float[] probs = new float[2 * n];
            int[] labels = new int[n];
            boolean[] ood = new boolean[n];
            for (int i = 0; i < id; i++) {
                probs[2 * i] = 0.99f - 0.01f * i; // confident: low entropy
                probs[2 * i + 1] = 1 - probs[2 * i];
            }
            for (int k = 0; k < p; k++) {
                int i = id + k;
                probs[2 * i] = 0.5f + k * 0.001f; // near uniform, distinct entropies
                probs[2 * i + 1] = 1 - probs[2 * i];
                ood[i] = true;
            }
            MetricsReport r =
                    MetricsReport.builder()
                            .setProbabilities(ProbabilityMatrix.of(probs, n, 2))
                            .setLabels(labels)
                            .optOod(ood)
                            .build();
            assertThat(r.get(ReportMetric.OOD_AUPR_ENTROPY)).as("p=%d", p).contains(1.0);
            assertThat(r.get(ReportMetric.OOD_AUROC_ENTROPY)).as("p=%d", p).contains(1.0);
        }
    }
}
