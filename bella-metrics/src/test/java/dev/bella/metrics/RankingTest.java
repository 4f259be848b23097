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
import static dev.bella.metrics.TestViews.s;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RankingTest {

    // scikit-learn's documentation example: y = [0, 0, 1, 1], s = [0.1, 0.4, 0.35, 0.8].
    static final double[] S = {0.1, 0.4, 0.35, 0.8};
    static final boolean[] POS = {false, false, true, true};

    @Test
    void handComputedSklearnExample() {
        // pairs (pos, neg): (.35,.1) win, (.35,.4) loss, (.8,.1) win, (.8,.4) win -> 3/4
        assertThat(Ranking.auroc(s(S), POS)).isEqualTo(0.75);
        // descending: .8 (pos): P = 1, R = .5 -> .5 * 1; .4 (neg); .35 (pos): P = 2/3, R = 1
        // -> AP = .5 + .5 * 2/3 = 5/6 (sklearn's average_precision_score gives 0.8333...)
        assertThat(Ranking.aupr(s(S), POS)).isCloseTo(5.0 / 6, within(1e-15));
        // TPR reaches 1 >= .95 only at threshold .35, where 1 of 2 negatives is above: FPR .5
        assertThat(Ranking.fpr95(s(S), POS)).isEqualTo(0.5);
        // TPR .5 is reached at threshold .8 with no negative above
        assertThat(Ranking.fprAtTpr(s(S), POS, 0.5)).isEqualTo(0.0);
    }

    @Test
    void allTies() {
        double[] s = {1, 1, 1, 1};
        boolean[] pos = {true, false, true, false};
        // every (pos, neg) pair ties: 1/2
        assertThat(Ranking.auroc(s(s), pos)).isEqualTo(0.5);
        // one threshold: precision 2/4 at recall 1
        assertThat(Ranking.aupr(s(s), pos)).isEqualTo(0.5);
        assertThat(Ranking.fpr95(s(s), pos)).isEqualTo(1.0);
    }

    @Test
    void tiesAcrossClassesCountOneHalf() {
        // s = [.5 pos, .5 neg, .9 pos, .1 neg]: pairs (.5,.5) tie 1/2, (.5,.1) 1, (.9,.5) 1,
        // (.9,.1) 1 -> 3.5 / 4
        assertThat(
                        Ranking.auroc(
                                s(new double[] {.5, .5, .9, .1}),
                                new boolean[] {true, false, true, false}))
                .isEqualTo(0.875);
        // -0.0 and 0.0 are the same score
        assertThat(Ranking.auroc(s(new double[] {-0.0, 0.0}), new boolean[] {true, false}))
                .isEqualTo(0.5);
    }

    @Test
    void perfectAndReversedSeparation() {
        double[] s = {0.1, 0.2, 0.8, 0.9};
        boolean[] pos = {false, false, true, true};
        assertThat(Ranking.auroc(s(s), pos)).isEqualTo(1.0);
        assertThat(Ranking.aupr(s(s), pos)).isEqualTo(1.0);
        assertThat(Ranking.fpr95(s(s), pos)).isEqualTo(0.0);
        boolean[] rev = {true, true, false, false};
        assertThat(Ranking.auroc(s(s), rev)).isEqualTo(0.0);
        assertThat(Ranking.fpr95(s(s), rev)).isEqualTo(1.0);
        // positives last: (R .5, P 1/3), (R 1, P 1/2) -> AP = .5/3 + .5/2 = 5/12
        assertThat(Ranking.aupr(s(s), rev)).isCloseTo(5.0 / 12, within(1e-15));
    }

    @Test
    void infiniteScoresAreRanked() {
        double[] s = {Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY, 0};
        assertThat(Ranking.auroc(s(s), new boolean[] {false, true, false})).isEqualTo(1.0);
    }

    @Test
    void aurocEqualsBruteForceMannWhitney() {
        Random rnd = new Random(5);
        for (int trial = 0; trial < 20; trial++) {
            int n = 2 + rnd.nextInt(60);
            double[] s = new double[n];
            boolean[] pos = new boolean[n];
            for (int i = 0; i < n; i++) {
                s[i] = rnd.nextInt(6); // many ties
                pos[i] = rnd.nextBoolean();
            }
            pos[0] = true;
            pos[1] = false;
            double u = 0;
            int p = 0;
            int q = 0;
            for (int i = 0; i < n; i++) {
                if (pos[i]) {
                    p++;
                } else {
                    q++;
                }
                for (int j = 0; j < n; j++) {
                    if (pos[i] && !pos[j]) {
                        u += s[i] > s[j] ? 1 : s[i] == s[j] ? 0.5 : 0;
                    }
                }
            }
            assertThat(Ranking.auroc(s(s), pos)).isEqualTo(u / ((double) p * q));
        }
    }

    @Test
    void streamingAndCombineEqualWholeBatchExactly() {
        Random rnd = new Random(6);
        double[] s = new double[1000];
        boolean[] pos = new boolean[1000];
        for (int i = 0; i < s.length; i++) {
            s[i] = Math.round(rnd.nextGaussian() * 10) / 10.0;
            pos[i] = rnd.nextDouble() < 0.2;
        }
        DetectionResult whole = DetectionMetrics.of(s(s), pos);
        DetectionMetrics a = DetectionMetrics.create();
        DetectionMetrics b = DetectionMetrics.create();
        a.accept(s(Arrays.copyOfRange(s, 0, 10)), Arrays.copyOfRange(pos, 0, 10));
        a.accept(s(Arrays.copyOfRange(s, 10, 600)), Arrays.copyOfRange(pos, 10, 600));
        b.accept(s(Arrays.copyOfRange(s, 600, 1000)), Arrays.copyOfRange(pos, 600, 1000));
        assertThat(DetectionMetrics.create().combine(b).combine(a).result()).isEqualTo(whole);
        assertThat(a.combine(b).result()).isEqualTo(whole);
        assertThat(whole.auroc()).isEqualTo(Ranking.auroc(s(s), pos));
        assertThat(whole.aupr()).isEqualTo(Ranking.aupr(s(s), pos));
        assertThat(whole.fpr95()).isEqualTo(Ranking.fpr95(s(s), pos));
        assertThat(whole.positives() + whole.negatives()).isEqualTo(1000);
    }

    @Test
    void macroOvrHandComputed() {
        // C = 3, one example per class plus one more of class 0.
        double[][] p = {{0.5, 0.25, 0.25}, {0.25, 0.5, 0.25}, {0.25, 0.25, 0.5}, {0.25, 0.5, 0.25}};
        int[] y = {0, 1, 2, 0};
        // class 0: pos scores {.5, .25}, neg {.25, .25}: pairs .5>.25 x2 = 2, .25=.25 x2 = 1 -> 3/4
        // class 1: pos {.5}, neg {.25, .25, .5}: 1 + 1 + .5 = 2.5 / 3
        // class 2: pos {.5}, neg {.25, .25, .25}: 3/3 = 1
        double expected = (0.75 + 2.5 / 3 + 1) / 3;
        assertThat(Ranking.macroAurocOvr(m(p), y)).isCloseTo(expected, within(1e-15));
        MacroAuroc m = MacroAuroc.create().accept(m(Arrays.copyOfRange(p, 0, 1)), new int[] {0});
        m.combine(MacroAuroc.create().accept(m(Arrays.copyOfRange(p, 1, 4)), new int[] {1, 2, 0}));
        assertThat(m.result()).isEqualTo(Ranking.macroAurocOvr(m(p), y));
    }

    @Test
    void badInputSingleClass() {
        assertThatThrownBy(() -> Ranking.auroc(s(new double[] {1, 2}), new boolean[] {true, true}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("only one class")
                .hasMessageContaining("no negative");
        assertThatThrownBy(() -> Ranking.aupr(s(new double[] {1}), new boolean[] {false}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no positive");
        assertThatThrownBy(() -> DetectionMetrics.create().result())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("only one class");
        // macro OvR with a class that never occurs
        assertThatThrownBy(
                        () ->
                                Ranking.macroAurocOvr(
                                        m(new double[][] {{0.5, 0.5, 0}, {0.5, 0.5, 0}}),
                                        new int[] {0, 1}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("class 2");
        assertThatThrownBy(() -> Ranking.macroAurocOvr(m(new double[][] {{1}}), new int[] {0}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least 2 classes");
    }

    @Test
    void badInputNaNScoreAndLengths() {
        assertThatThrownBy(
                        () ->
                                Ranking.auroc(
                                        s(new double[] {1, Double.NaN}),
                                        new boolean[] {true, false}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("scores[1] = NaN");
        assertThatThrownBy(
                        () -> Ranking.auroc(s(new double[] {1, 2, 3}), new boolean[] {true, false}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("scores.length = 3")
                .hasMessageContaining("positive.length = 2");
        assertThatThrownBy(() -> Ranking.fprAtTpr(s(S), POS, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("value passed is 0.0");
        assertThatThrownBy(() -> Ranking.fprAtTpr(s(S), POS, Double.NaN))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
