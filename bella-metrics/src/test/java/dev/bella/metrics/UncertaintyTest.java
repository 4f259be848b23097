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
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

class UncertaintyTest {

    static final double LN2 = Math.log(2);

    // Two particles, two examples, two classes.
    //   example 0: p1 = [1, 0], p2 = [0, 1] -> p_bar = [.5, .5], H[p_bar] = ln 2, H[p_i] = 0,
    //              MI = ln 2, KL(p_i || p_bar) = 1 * ln(1 / .5) = ln 2 for both,
    //              argmax p_bar = 0 (tie, first): p2 disagrees -> 1/2
    //   example 1: p1 = p2 = [.5, .5] -> H = ln 2 everywhere, MI = 0, no disagreement
    static final float[][][] PARTICLES = {
        {{1, 0}, {0.5f, 0.5f}},
        {{0, 1}, {0.5f, 0.5f}}
    };

    @Test
    void handComputedPerExampleAndMeans() {
        UncertaintyScores s = Uncertainty.of(pp(PARTICLES));
        assertThat(s.predictiveEntropy()).containsExactly(LN2, LN2);
        assertThat(s.aleatoric()).containsExactly(0, LN2);
        assertThat(s.mutualInformation()).containsExactly(LN2, 0);
        assertThat(s.disagreement()).containsExactly(0.5, 0);
        UncertaintyResult m = s.means();
        assertThat(m.count()).isEqualTo(2);
        assertThat(m.particles()).isEqualTo(2);
        assertThat(m.predictiveEntropy()).isEqualTo(LN2);
        assertThat(m.aleatoric()).isEqualTo(LN2 / 2);
        assertThat(m.mutualInformation()).isEqualTo(LN2 / 2);
        assertThat(m.disagreement()).isEqualTo(0.25);
        assertThat(m.diversity()).containsExactly(LN2 / 2, LN2 / 2);
        ProbabilityMatrix mean = Uncertainty.posteriorPredictive(pp(PARTICLES));
        assertThat(mean.rows()).isEqualTo(2);
        assertThat(mean.row(0)).containsExactly(0.5, 0.5);
        assertThat(mean.row(1)).containsExactly(0.5, 0.5);
    }

    @Test
    void singleParticleHasNoEpistemicUncertainty() {
        float[][][] one = {{{0.25f, 0.75f}, {1, 0}}};
        UncertaintyScores s = Uncertainty.of(pp(one));
        // H([.25, .75]) = -(.25 ln .25 + .75 ln .75)
        double h = -(0.25 * Math.log(0.25) + 0.75 * Math.log(0.75));
        assertThat(s.predictiveEntropy()[0]).isCloseTo(h, within(1e-15));
        assertThat(s.aleatoric()[0]).isCloseTo(h, within(1e-15));
        assertThat(s.mutualInformation()).containsExactly(0, 0);
        assertThat(s.disagreement()).containsExactly(0, 0);
        assertThat(Uncertainty.entropy(m(one[0]))).containsExactly(s.predictiveEntropy());
    }

    @Test
    void mutualInformationIdentities() {
        Random rnd = new Random(8);
        int k = 4;
        float[][][] p = new float[k][][];
        for (int i = 0; i < k; i++) {
            p[i] = ClassificationMetricsTest.randomProbs(rnd, 50, 6);
        }
        UncertaintyScores s = Uncertainty.of(pp(p));
        double[] h = s.predictiveEntropy();
        double[] a = s.aleatoric();
        double[] mi = s.mutualInformation();
        for (int n = 0; n < 50; n++) {
            // MI = H[p_bar] - mean H[p_i] (computed here as the mean KL)
            assertThat(mi[n]).isCloseTo(h[n] - a[n], within(1e-12));
            assertThat(mi[n]).isGreaterThanOrEqualTo(0);
        }
        double meanDiversity =
                s.means().diversity().stream()
                        .mapToDouble(Double::doubleValue)
                        .average()
                        .orElseThrow();
        assertThat(meanDiversity).isCloseTo(s.means().mutualInformation(), within(1e-12));
    }

    @Test
    void streamingEqualsWholeBatch() {
        Random rnd = new Random(9);
        float[][][] p = new float[3][][];
        for (int i = 0; i < 3; i++) {
            p[i] = ClassificationMetricsTest.randomProbs(rnd, 120, 5);
        }
        UncertaintyResult whole = Uncertainty.of(pp(p)).means();
        UncertaintyMetrics a = UncertaintyMetrics.create();
        a.accept(slice(p, 0, 7)).accept(slice(p, 7, 7)).accept(slice(p, 7, 80));
        UncertaintyMetrics b = UncertaintyMetrics.create().accept(slice(p, 80, 120));
        // accept in batches: bit for bit
        assertThat(
                        UncertaintyMetrics.create()
                                .accept(slice(p, 0, 80))
                                .accept(slice(p, 80, 120))
                                .result())
                .isEqualTo(whole);
        UncertaintyResult ba = UncertaintyMetrics.create().combine(b).combine(a).result();
        assertThat(ba.count()).isEqualTo(120);
        assertThat(ba.predictiveEntropy()).isCloseTo(whole.predictiveEntropy(), within(1e-12));
        assertThat(ba.aleatoric()).isCloseTo(whole.aleatoric(), within(1e-12));
        assertThat(ba.mutualInformation()).isCloseTo(whole.mutualInformation(), within(1e-12));
        assertThat(ba.disagreement()).isCloseTo(whole.disagreement(), within(1e-12));
        for (int i = 0; i < 3; i++) {
            assertThat(ba.diversity().get(i)).isCloseTo(whole.diversity().get(i), within(1e-12));
        }
    }

    @Test
    void flatViewMatchesNestedCopy() {
        float[] flat = new float[2 * 2 * 2];
        for (int i = 0, o = 0; i < 2; i++) {
            for (int n = 0; n < 2; n++, o += 2) {
                System.arraycopy(PARTICLES[i][n], 0, flat, o, 2);
            }
        }
        ParticleProbabilities view = ParticleProbabilities.of(flat, 2, 2, 2);
        assertThat(Uncertainty.of(view).means()).isEqualTo(Uncertainty.of(pp(PARTICLES)).means());
        assertThat(view.particle(1).row(0)).containsExactly(0.0, 1.0);
        assertThatThrownBy(() -> ParticleProbabilities.of(flat, 2, 3, 2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("values.length = 8 is not particles * rows * classes = 2 * 3 * 2");
    }

    @Test
    void badInputShapes() {
        float[][][] rows = {{{1, 0}}, {{1, 0}, {0, 1}}};
        assertThatThrownBy(() -> Uncertainty.of(pp(rows)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("particles[1].length = 2")
                .hasMessageContaining("particles[0].length = 1");
        float[][][] cols = {{{1, 0}}, {{1, 0, 0}}};
        assertThatThrownBy(() -> Uncertainty.of(pp(cols)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("particles[1] has 3 columns");
        assertThatThrownBy(() -> Uncertainty.of(pp(new float[0][][])))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least one particle");
        assertThatThrownBy(() -> Uncertainty.of(pp(new float[][][] {{}})))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("empty");
        UncertaintyMetrics m = UncertaintyMetrics.create().accept(pp(PARTICLES));
        assertThatThrownBy(() -> m.accept(pp(new float[][][] {{{1, 0}}})))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("n = 1");
        assertThatThrownBy(() -> UncertaintyMetrics.create().result())
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void badInputProbabilities() {
        float[][][] nan = {{{1, 0}}, {{Float.NaN, 1}}};
        assertThatThrownBy(() -> Uncertainty.of(pp(nan)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("particles[1][0][0] = NaN");
        float[][][] sum = {{{0.5f, 0.6f}}};
        assertThatThrownBy(() -> Uncertainty.posteriorPredictive(pp(sum)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("particles[0][0] sums to");
        // a failing batch leaves the accumulator unchanged
        UncertaintyMetrics m = UncertaintyMetrics.create().accept(pp(PARTICLES));
        UncertaintyResult before = m.result();
        float[][][] bad = {{{1, 0}, {0.5f, 0.6f}}, {{0, 1}, {0.5f, 0.5f}}};
        assertThatThrownBy(() -> m.accept(pp(bad))).isInstanceOf(IllegalArgumentException.class);
        assertThat(m.result()).isEqualTo(before);
    }

    static ParticleProbabilities slice(float[][][] p, int from, int to) {
        int c = p[0][0].length;
        float[] flat = new float[p.length * (to - from) * c];
        for (int i = 0, o = 0; i < p.length; i++) {
            for (int n = from; n < to; n++, o += c) {
                System.arraycopy(p[i][n], 0, flat, o, c);
            }
        }
        return ParticleProbabilities.of(flat, p.length, to - from, c);
    }
}
