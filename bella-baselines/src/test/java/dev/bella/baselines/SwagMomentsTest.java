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
package dev.bella.baselines;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * SWAG's statistics on a sequence whose moments are worked out by hand: \( \theta_t = (t, t^2, 1 -
 * 2t) \), \( t = 1..5 \), \( K = 3 \). Sums of \( t, t^2, t^4 \) over 1..5 are 15, 55, 979; the
 * running mean after \( t \) iterates is \( ((t+1)/2, (t+1)(2t+1)/6, -t) \).
 */
class SwagMomentsTest {

    private static final double[] MEAN = {3, 11, -5};

    /** \( E[\theta^2] - \bar\theta^2 \): 11 - 9, 979/5 - 121, 165/5 - 25. */
    private static final double[] VARIANCE = {2, 979.0 / 5 - 121, 8};

    /** \( \theta_t - \bar\theta_t \) for t = 3, 4, 5 (oldest first). */
    private static final double[][] DEVIATIONS = {
        {3 - 2, 9 - 14.0 / 3, -5 + 3}, {4 - 2.5, 16 - 7.5, -7 + 4}, {5 - 3, 25 - 11, -9 + 5}
    };

    private static SwagMoments known() {
        SwagMoments m = new SwagMoments(3, 3);
        for (int t = 1; t <= 5; t++) {
            m.accept(new float[] {t, t * t, 1 - 2 * t});
        }
        return m;
    }

    @Test
    void meanVarianceAndDeviationsMatchTheHandComputedValues() {
        SwagMoments m = known();
        assertThat(m.count()).isEqualTo(5);
        assertThat(m.rank()).isEqualTo(3);
        assertThat(m.mean()).containsExactly(MEAN, within(1e-12));
        assertThat(m.secondMoment())
                .containsExactly(new double[] {11, 979.0 / 5, 33}, within(1e-12));
        assertThat(m.variance()).containsExactly(VARIANCE, within(1e-12));
        double[][] d = m.deviations();
        assertThat(d).hasDimensions(3, 3);
        for (int j = 0; j < 3; j++) {
            assertThat(d[j]).as("column %s", j).containsExactly(DEVIATIONS[j], within(1e-12));
        }
    }

    @Test
    void fewerIteratesThanKHoldOneColumnEach() {
        SwagMoments m = new SwagMoments(1, 4);
        m.accept(new float[] {2});
        m.accept(new float[] {4});
        assertThat(m.rank()).isEqualTo(2);
        double[][] d = m.deviations();
        // running means 2 and 3
        assertThat(d[0]).containsExactly(0.0);
        assertThat(d[1]).containsExactly(1.0);
    }

    /**
     * 200,000 draws: their mean is \( \bar\theta \) and their covariance \(
     * \operatorname{diag}(\sigma^2)/2 + D D^\top / (2(K-1)) \), built here from the hand-computed
     * values, each within 5 standard errors (variance of a sample covariance entry \( (\Sigma_{aa}
     * \Sigma_{bb} + \Sigma_{ab}^2)/M \) for a Gaussian).
     */
    @Test
    void samplesHaveTheSwagMeanAndCovariance() {
        double[][] sigma = new double[3][3];
        for (int a = 0; a < 3; a++) {
            sigma[a][a] += VARIANCE[a] / 2;
            for (int b = 0; b < 3; b++) {
                for (double[] col : DEVIATIONS) {
                    sigma[a][b] += col[a] * col[b] / (2 * (3 - 1));
                }
            }
        }
        SwagMoments m = known();
        SplittableRandom rng = new SplittableRandom(42);
        int draws = 200_000;
        double[] sum = new double[3];
        double[][] outer = new double[3][3];
        for (int k = 0; k < draws; k++) {
            double[] x = m.sample(rng);
            for (int a = 0; a < 3; a++) {
                double u = x[a] - MEAN[a];
                sum[a] += u;
                for (int b = 0; b < 3; b++) {
                    outer[a][b] += u * (x[b] - MEAN[b]);
                }
            }
        }
        for (int a = 0; a < 3; a++) {
            double se = Math.sqrt(sigma[a][a] / draws);
            assertThat(sum[a] / draws).as("mean %s", a).isCloseTo(0, within(5 * se));
            for (int b = 0; b < 3; b++) {
                double c = outer[a][b] / draws;
                double seC =
                        Math.sqrt((sigma[a][a] * sigma[b][b] + sigma[a][b] * sigma[a][b]) / draws);
                assertThat(c).as("cov %s %s", a, b).isCloseTo(sigma[a][b], within(5 * seC));
            }
        }
    }

    @Test
    void varianceIsClampedAtZeroAndConstantIteratesHaveNoSpread() {
        assertThat(SwagMoments.variance(0.01, 0.1000001)).isZero();
        assertThat(SwagMoments.variance(0.02, 0.1)).isCloseTo(0.01, within(1e-15));
        SwagMoments m = new SwagMoments(2, 2);
        for (int t = 0; t < 3; t++) {
            m.accept(new float[] {0.1f, -3f});
        }
        assertThat(m.variance()).containsExactly(0.0, 0.0);
        assertThat(m.sample(new SplittableRandom(1))).containsExactly(0.1f, -3.0);
    }

    @Test
    void badInputsAreRejectedWithTheValue() {
        assertThatThrownBy(() -> new SwagMoments(0, 3))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("dimension = 0");
        assertThatThrownBy(() -> new SwagMoments(3, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxRank = 1");
        SwagMoments m = new SwagMoments(2, 2);
        assertThatThrownBy(() -> m.accept(new float[] {1}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("theta.length = 1");
        assertThatThrownBy(() -> m.accept(new float[] {1, Float.NaN}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("theta[1] = NaN");
        assertThat(m.count()).isZero();
        m.accept(new float[] {1, 2});
        assertThatThrownBy(() -> m.sample(new SplittableRandom(1)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("at least 2 iterates");
    }
}
