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

import java.util.Random;
import org.junit.jupiter.api.Test;

class ClassificationMetricsTest {

    // Dyadic fractions, exact in float and double, so the hand arithmetic below is exact.
    //   row  probs                 label  predicted  correct  confidence
    //   0    [0.75, 0.25, 0]       0      0          yes      0.75
    //   1    [0.5, 0.25, 0.25]     1      0          no       0.5
    //   2    [0.125, 0.125, 0.75]  2      2          yes      0.75
    //   3    [0.25, 0.5, 0.25]     2      1          no       0.5
    //   4    [0, 0, 1]             2      2          yes      1.0 (exactly 1: last bin)
    static final double[][] P = {
        {0.75, 0.25, 0}, {0.5, 0.25, 0.25}, {0.125, 0.125, 0.75}, {0.25, 0.5, 0.25}, {0, 0, 1}
    };
    static final int[] Y = {0, 1, 2, 2, 2};

    static float[][] toFloat(double[][] p) {
        float[][] f = new float[p.length][];
        for (int n = 0; n < p.length; n++) {
            f[n] = new float[p[n].length];
            for (int c = 0; c < p[n].length; c++) {
                f[n][c] = (float) p[n][c];
            }
        }
        return f;
    }

    @Test
    void handComputedSmallCase() {
        for (ClassificationResult r :
                new ClassificationResult[] {
                    ClassificationMetrics.of(m(P), Y, 4),
                    ClassificationMetrics.of(m(toFloat(P)), Y, 4)
                }) {
            // accuracy = 3/5
            assertThat(r.accuracy()).isEqualTo(0.6);
            // NLL = (-ln .75 - ln .25 - ln .75 - ln .25 - ln 1) / 5 = (2 ln(4/3) + 2 ln 4) / 5
            assertThat(r.nll())
                    .isCloseTo((2 * Math.log(4.0 / 3) + 2 * Math.log(4)) / 5, within(1e-15));
            // Brier rows: .0625+.0625+0 = .125; .25+.5625+.0625 = .875; .015625*2+.0625 = .09375;
            // .0625+.25+.5625 = .875; 0  -> sum 1.96875, mean 0.39375
            assertThat(r.brier()).isCloseTo(0.39375, within(1e-15));
            assertThat(r.brierHalved()).isCloseTo(0.196875, within(1e-15));
            // M = 4: bin 2 = [.5,.75) holds rows 1,3 (conf .5, acc 0, gap .5);
            // bin 3 = [.75, 1] holds rows 0,2,4 (conf (.75+.75+1)/3 = 5/6, acc 1, gap 1/6).
            // ECE = 2/5 * .5 + 3/5 * 1/6 = 0.3; MCE = 0.5
            assertThat(r.ece()).isCloseTo(0.3, within(1e-15));
            assertThat(r.mce()).isCloseTo(0.5, within(1e-15));
            // The MCE rests on bin 2's two examples; with at least 3 per bin only bin 3 counts.
            assertThat(r.reliability().mceBin().orElseThrow().index()).isEqualTo(2);
            assertThat(r.reliability().mceBin().orElseThrow().count()).isEqualTo(2);
            assertThat(r.reliability().mce(1)).isEqualTo(r.mce());
            assertThat(r.reliability().mce(3)).isCloseTo(1.0 / 6, within(1e-15));
            assertThat(r.reliability().mceBin(3).orElseThrow().index()).isEqualTo(3);
            assertThat(r.reliability().mce(4)).isNaN();
            assertThat(r.reliability().mceBin(4)).isEmpty();
            var bins = r.reliability().bins();
            assertThat(bins).hasSize(4);
            assertThat(bins.get(0).count()).isZero();
            assertThat(bins.get(0).accuracy()).isNaN();
            assertThat(bins.get(1).count()).isZero();
            assertThat(bins.get(2).count()).isEqualTo(2);
            assertThat(bins.get(2).meanConfidence()).isEqualTo(0.5);
            assertThat(bins.get(2).accuracy()).isEqualTo(0.0);
            assertThat(bins.get(3).count()).isEqualTo(3);
            assertThat(bins.get(3).meanConfidence()).isCloseTo(5.0 / 6, within(1e-15));
            assertThat(bins.get(3).accuracy()).isEqualTo(1.0);
            assertThat(bins.get(3).lower()).isEqualTo(0.75);
            assertThat(bins.get(3).upper()).isEqualTo(1.0);
            assertThat(r.count()).isEqualTo(5);
            assertThat(r.classes()).isEqualTo(3);
        }
    }

    @Test
    void defaultIsFifteenBins() {
        ClassificationResult r = ClassificationMetrics.of(m(P), Y);
        assertThat(r.bins()).isEqualTo(15);
        // conf .5 -> floor(7.5) = bin 7; .75 -> floor(11.25) = bin 11; 1.0 -> bin 14 (closed).
        assertThat(r.reliability().bins().get(7).count()).isEqualTo(2);
        assertThat(r.reliability().bins().get(11).count()).isEqualTo(2);
        assertThat(r.reliability().bins().get(14).count()).isEqualTo(1);
        // ECE = 2/5 * |0 - .5| + 2/5 * |1 - .75| + 1/5 * |1 - 1| = 0.2 + 0.1 = 0.3
        assertThat(r.ece()).isCloseTo(0.3, within(1e-15));
    }

    @Test
    void confidenceZeroAndOneAreBinned() {
        // A row [1, 0, 0] has confidence exactly 1 -> last bin. Confidence 0 cannot be the top
        // probability of a valid row, so check the bin arithmetic through a one-class boundary:
        // with M = 2, conf 0.5 is bin 1 (lower edge inclusive).
        ClassificationResult r =
                ClassificationMetrics.of(
                        m(new double[][] {{1, 0, 0}, {0.5, 0.5, 0}}), new int[] {0, 1}, 2);
        assertThat(r.reliability().bins().get(1).count()).isEqualTo(2);
        assertThat(r.reliability().bins().get(0).count()).isZero();
    }

    @Test
    void tiesPredictTheFirstClass() {
        // [0.5, 0.5]: predicted class 0 (first argmax), so label 0 is right and label 1 wrong.
        assertThat(
                        ClassificationMetrics.of(m(new double[][] {{0.5, 0.5}}), new int[] {0})
                                .accuracy())
                .isEqualTo(1.0);
        assertThat(
                        ClassificationMetrics.of(m(new double[][] {{0.5, 0.5}}), new int[] {1})
                                .accuracy())
                .isEqualTo(0.0);
        assertThat(
                        ClassificationMetrics.of(
                                        m(
                                                new float[][] {
                                                    {0.25f, 0.5f, 0.25f}, {0.5f, 0.25f, 0.25f}
                                                }),
                                        new int[] {1, 0})
                                .accuracy())
                .isEqualTo(1.0);
    }

    @Test
    void singleExampleFillsOneBin() {
        // N = 1: [0.25, 0.75], label 1: correct, conf .75 -> bin 11 of 15; ECE = MCE = |1 - .75|.
        ClassificationResult r =
                ClassificationMetrics.of(m(new float[][] {{0.25f, 0.75f}}), new int[] {1});
        assertThat(r.ece()).isEqualTo(0.25);
        assertThat(r.mce()).isEqualTo(0.25);
        long nonEmpty = r.reliability().bins().stream().filter(b -> b.count() > 0).count();
        assertThat(nonEmpty).isEqualTo(1);
        assertThat(r.reliability().bins().get(11).count()).isEqualTo(1);
        // NLL = -ln .75; Brier = .25^2 + .25^2 = .125
        assertThat(r.nll()).isCloseTo(-Math.log(0.75), within(1e-15));
        assertThat(r.brier()).isEqualTo(0.125);
    }

    @Test
    void perfectPredictions() {
        float[][] p = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
        ClassificationResult r = ClassificationMetrics.of(m(p), new int[] {0, 1, 2});
        assertThat(r.accuracy()).isEqualTo(1.0);
        assertThat(r.nll()).isEqualTo(0.0);
        assertThat(r.brier()).isEqualTo(0.0);
        assertThat(r.ece()).isEqualTo(0.0);
        assertThat(r.mce()).isEqualTo(0.0);
    }

    @Test
    void perfectlyWrongPredictions() {
        float[][] p = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
        ClassificationResult r = ClassificationMetrics.of(m(p), new int[] {1, 2, 0});
        assertThat(r.accuracy()).isEqualTo(0.0);
        // p[y] = 0 is clamped at 1e-12: NLL = -ln(1e-12) = 12 ln 10
        assertThat(r.nll()).isCloseTo(12 * Math.log(10), within(1e-12));
        assertThat(r.brier()).isEqualTo(2.0);
        assertThat(r.ece()).isEqualTo(1.0);
        assertThat(r.mce()).isEqualTo(1.0);
    }

    @Test
    void binaryIsScoredTopLabel() {
        // p(class 1) = 0.25 with label 0: expanded [0.75, 0.25], confidence 0.75, correct.
        ProbabilityMatrix two = Probabilities.twoClass(new float[] {0.25f, 0.875f});
        assertThat(two.row(0)).containsExactly(0.75, 0.25);
        ClassificationResult r = ClassificationMetrics.of(two, new int[] {0, 0}, 4);
        // row 2: [0.125, 0.875], label 0: wrong with confidence .875 (bin 3).
        assertThat(r.accuracy()).isEqualTo(0.5);
        // bin 3 holds both (.75 and .875): conf .8125, acc .5 -> ECE = .3125
        assertThat(r.ece()).isEqualTo(0.3125);
        // Brier: 2 * .25^2 = .125 and 2 * .875^2 = 1.53125 -> mean .828125
        assertThat(r.brier()).isEqualTo(0.828125);
    }

    @Test
    void flatViewEqualsCopiedRows() {
        float[][] p = randomProbs(new Random(3), 257, 7);
        int[] y = randomLabels(new Random(4), 257, 7);
        float[] flat = new float[257 * 7];
        for (int n = 0; n < 257; n++) {
            System.arraycopy(p[n], 0, flat, n * 7, 7);
        }
        ClassificationResult a = ClassificationMetrics.of(m(p), y);
        ClassificationResult b =
                ClassificationMetrics.create()
                        .accept(ProbabilityMatrix.of(flat, 257, 7), y)
                        .result();
        assertThat(b).isEqualTo(a);
    }

    @Test
    void streamingEqualsWholeBatchExactly() {
        Random rnd = new Random(42);
        float[][] p = randomProbs(rnd, 1000, 10);
        int[] y = randomLabels(rnd, 1000, 10);
        ClassificationResult whole = ClassificationMetrics.of(m(p), y, 12);
        ClassificationMetrics s = ClassificationMetrics.create(12);
        int from = 0;
        for (int size : new int[] {1, 0, 99, 400, 500}) {
            s.accept(
                    m(java.util.Arrays.copyOfRange(p, from, from + size)),
                    java.util.Arrays.copyOfRange(y, from, from + size));
            from += size;
        }
        assertThat(s.result()).isEqualTo(whole);
    }

    @Test
    void combineEqualsWholeBatchInAnyOrder() {
        Random rnd = new Random(43);
        float[][] p = randomProbs(rnd, 900, 4);
        int[] y = randomLabels(rnd, 900, 4);
        ClassificationResult whole = ClassificationMetrics.of(m(p), y);
        ClassificationMetrics[] parts = new ClassificationMetrics[3];
        for (int k = 0; k < 3; k++) {
            parts[k] =
                    ClassificationMetrics.create()
                            .accept(
                                    m(java.util.Arrays.copyOfRange(p, 300 * k, 300 * k + 300)),
                                    java.util.Arrays.copyOfRange(y, 300 * k, 300 * k + 300));
        }
        ClassificationResult abc =
                ClassificationMetrics.create()
                        .combine(parts[0])
                        .combine(parts[1])
                        .combine(parts[2])
                        .result();
        ClassificationResult cba =
                ClassificationMetrics.create()
                        .combine(parts[2])
                        .combine(parts[1])
                        .combine(parts[0])
                        .result();
        for (ClassificationResult r : new ClassificationResult[] {abc, cba}) {
            assertThat(r.count()).isEqualTo(whole.count());
            assertThat(r.accuracy()).isEqualTo(whole.accuracy());
            assertThat(r.nll()).isCloseTo(whole.nll(), within(1e-12));
            assertThat(r.brier()).isCloseTo(whole.brier(), within(1e-12));
            assertThat(r.ece()).isCloseTo(whole.ece(), within(1e-12));
            assertThat(r.mce()).isCloseTo(whole.mce(), within(1e-12));
        }
        // combining an empty accumulator changes nothing
        assertThat(parts[0].combine(ClassificationMetrics.create()).count()).isEqualTo(300);
    }

    @Test
    void failedBatchLeavesAccumulatorUnchanged() {
        ClassificationMetrics m = ClassificationMetrics.create().accept(m(P), Y);
        ClassificationResult before = m.result();
        double[][] bad = {{0.5, 0.5, 0}, {0.5, 0.5, 0}, {0.9, 0.9, 0}};
        assertThatThrownBy(() -> m.accept(m(bad), new int[] {0, 1, 2}))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(m.result()).isEqualTo(before);
    }

    @Test
    void negativeZeroIsAValidProbability() {
        // -0.0 sets the sign bit the fast check looks at; the exact check must accept it.
        float[] flat = {-0.0f, 1f, 0.5f, 0.5f};
        ClassificationResult r =
                ClassificationMetrics.create()
                        .accept(ProbabilityMatrix.of(flat, 2, 2), new int[] {1, 0})
                        .result();
        assertThat(r.accuracy()).isEqualTo(1.0);
        // a tiny negative entry that does not move the row sum is still refused
        float[] tiny = {-1e-30f, 1f};
        assertThatThrownBy(
                        () ->
                                ClassificationMetrics.create()
                                        .accept(ProbabilityMatrix.of(tiny, 1, 2), new int[] {1}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("probs[0][0] = -1.0E-30");
    }

    @Test
    void rowsLongerThanTheUnrolledLoopAndOddLengths() {
        // C = 7 (not a multiple of 4): the max sits in the tail, the label before it.
        float[][] p = {{0.0625f, 0.0625f, 0.0625f, 0.0625f, 0.125f, 0.125f, 0.5f}};
        ClassificationResult r = ClassificationMetrics.of(m(p), new int[] {6}, 4);
        // conf .5 -> bin 2; correct; Brier = 4 * .0625^2 + 2 * .125^2 + .5^2 = .296875
        assertThat(r.accuracy()).isEqualTo(1.0);
        assertThat(r.reliability().bins().get(2).count()).isEqualTo(1);
        assertThat(r.brier()).isEqualTo(0.296875);
        // tie between index 1 and the label 6 in a long row: first argmax (1) wins
        float[][] tie = {{0f, 0.5f, 0f, 0f, 0f, 0f, 0.5f}};
        assertThat(ClassificationMetrics.of(m(tie), new int[] {6}).accuracy()).isEqualTo(0.0);
        assertThat(ClassificationMetrics.of(m(tie), new int[] {1}).accuracy()).isEqualTo(1.0);
    }

    @Test
    void accuracyWithManyTiesEqualsNaiveFirstArgmax() {
        // Quantised rows (values k/8) tie at the maximum often; compare with a plain first-argmax
        // loop over many row lengths (the fast path splits rows into 4 lanes and a tail).
        Random rnd = new Random(12);
        for (int c = 1; c <= 13; c++) {
            int n = 400;
            float[][] p = new float[n][c];
            int[] y = new int[n];
            int expected = 0;
            for (int i = 0; i < n; i++) {
                int left = 8;
                while (left > 0) { // distribute 8 eighths over the columns
                    p[i][rnd.nextInt(c)] += 0.125f;
                    left--;
                }
                y[i] = rnd.nextInt(c);
                int best = 0;
                for (int k = 1; k < c; k++) {
                    if (p[i][k] > p[i][best]) {
                        best = k;
                    }
                }
                if (best == y[i]) {
                    expected++;
                }
            }
            assertThat(ClassificationMetrics.of(m(p), y).accuracy())
                    .as("C = %d", c)
                    .isEqualTo((double) expected / n);
        }
    }

    // ---- bad input, each by name ----

    @Test
    void badInputShapesDisagree() {
        assertThatThrownBy(() -> ClassificationMetrics.of(m(P), new int[] {0, 1, 2}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("labels.length = 3")
                .hasMessageContaining("probs.rows() = 5");
        assertThatThrownBy(
                        () ->
                                ProbabilityMatrix.copyOf(
                                        new float[][] {{1, 0}, {0.5f, 0.25f, 0.25f}}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("rows[1].length = 3")
                .hasMessageContaining("rows[0].length = 2");
        ClassificationMetrics m = ClassificationMetrics.create().accept(m(P), Y);
        assertThatThrownBy(() -> m.accept(m(new double[][] {{1, 0}}), new int[] {0}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("C = 2")
                .hasMessageContaining("C = 3");
        assertThatThrownBy(
                        () ->
                                ClassificationMetrics.create()
                                        .accept(
                                                ProbabilityMatrix.of(new float[5], 2, 2),
                                                new int[] {0, 1}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("values.length = 5 is not rows * classes = 2 * 2");
        assertThatThrownBy(() -> ProbabilityMatrix.of(new float[7], 2, 4))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("values.length = 7 is not rows * classes = 2 * 4");
        assertThatThrownBy(() -> ProbabilityMatrix.of(new float[0], 0, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(
                        "classes should be a positive integer but the value passed is 0");
        assertThatThrownBy(() -> ProbabilityMatrix.of(null, 0, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("values must not be null");
    }

    @Test
    void badInputLabelOutOfRange() {
        assertThatThrownBy(() -> ClassificationMetrics.of(m(P), new int[] {0, 1, 3, 2, 2}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("labels[2] = 3")
                .hasMessageContaining("[0, 3)");
        assertThatThrownBy(() -> ClassificationMetrics.of(m(P), new int[] {0, 1, 2, -1, 2}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("labels[3] = -1");
    }

    @Test
    void badInputNaNProbability() {
        float[][] p = {{0.5f, 0.5f}, {Float.NaN, 1f}};
        assertThatThrownBy(() -> ClassificationMetrics.of(m(p), new int[] {0, 1}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("probs[1][0] = NaN");
    }

    @Test
    void badInputNegativeProbability() {
        double[][] p = {{0.5, 0.5}, {1.25, -0.25}};
        assertThatThrownBy(() -> ClassificationMetrics.of(m(p), new int[] {0, 1}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("probs[1][1] = -0.25");
        float[][] inf = {{Float.POSITIVE_INFINITY, 0f}};
        assertThatThrownBy(() -> ClassificationMetrics.of(m(inf), new int[] {0}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("probs[0][0] = Infinity");
    }

    @Test
    void badInputRowDoesNotSumToOne() {
        float[][] p = {{0.5f, 0.5f}, {0.5f, 0.49f}};
        assertThatThrownBy(() -> ClassificationMetrics.of(m(p), new int[] {0, 1}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("probs[1] sums to 0.99")
                .hasMessageContaining("0.001");
        // within the tolerance is fine
        float[][] ok = {{0.5f, 0.5004f}};
        assertThat(ClassificationMetrics.of(m(ok), new int[] {1}).accuracy()).isEqualTo(1.0);
        // logits are refused
        assertThatThrownBy(
                        () ->
                                ClassificationMetrics.of(
                                        m(new float[][] {{2.5f, -1f}}), new int[] {0}))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(
                        () ->
                                ClassificationMetrics.create()
                                        .accept(
                                                ProbabilityMatrix.of(
                                                        new float[] {0.5f, 0.5f, 0.6f, 0.6f}, 2, 2),
                                                new int[] {0, 1}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("probs[1] sums to");
    }

    @Test
    void badInputEmpty() {
        assertThatThrownBy(() -> ClassificationMetrics.of(m(new float[0][]), new int[0]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("empty");
        // an empty batch is fine for an accumulator, but its result is undefined
        ClassificationMetrics m =
                ClassificationMetrics.create().accept(m(new float[0][]), new int[0]);
        assertThat(m.count()).isZero();
        assertThatThrownBy(m::result)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("N = 0");
        assertThatThrownBy(() -> ClassificationMetrics.of(m(new float[][] {{}}), new int[] {0}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no columns");
    }

    @Test
    void badInputBins() {
        assertThatThrownBy(() -> ClassificationMetrics.create(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("value passed is 0");
        assertThatThrownBy(() -> ClassificationMetrics.of(m(P), Y, -3))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("value passed is -3");
        assertThatThrownBy(
                        () ->
                                ClassificationMetrics.create(4)
                                        .combine(ClassificationMetrics.create(5)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("bins = 4");
    }

    @Test
    void badInputNull() {
        assertThatThrownBy(() -> ClassificationMetrics.of(null, Y))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("probs must not be null");
        assertThatThrownBy(() -> ClassificationMetrics.of(m(P), null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("labels must not be null");
    }

    static float[][] randomProbs(Random rnd, int n, int c) {
        float[][] p = new float[n][c];
        for (int i = 0; i < n; i++) {
            double s = 0;
            double[] e = new double[c];
            for (int k = 0; k < c; k++) {
                e[k] = Math.exp(3 * rnd.nextGaussian());
                s += e[k];
            }
            for (int k = 0; k < c; k++) {
                p[i][k] = (float) (e[k] / s);
            }
        }
        return p;
    }

    static int[] randomLabels(Random rnd, int n, int c) {
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = rnd.nextInt(c);
        }
        return y;
    }
}
