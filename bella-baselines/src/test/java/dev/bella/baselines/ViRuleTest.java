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

import ai.djl.ndarray.NDManager;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.tracker.Tracker;
import dev.bella.core.AdapterNames;
import dev.bella.core.Bella;
import dev.bella.core.BellaConfig;
import dev.bella.core.FullRankLinear;
import dev.bella.core.ParticleBlock;
import dev.bella.core.posterior.EpochStats;
import dev.bella.core.posterior.ParticlePosterior;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Mean-field VI on Bayesian linear regression, whose answer is known in closed form: with inputs \(
 * X \), noise variance \( \sigma^2 \) and prior precision \( \lambda \), the posterior is \(
 * \mathcal{N}(m, \Lambda^{-1}) \), \( \Lambda = \lambda I + X^\top X / \sigma^2 \), \( m =
 * \Lambda^{-1} X^\top y / \sigma^2 \), and the best mean-field Gaussian (the ELBO's maximum) has
 * mean \( m \) and variances \( 1 / \Lambda_{ii} \), the inverse of the precision's diagonal, not
 * the posterior's marginal variances \( (\Lambda^{-1})_{ii} \). The inputs are strongly correlated
 * so that the two differ by a factor of about 2.3.
 */
class ViRuleTest {

    private static final int N = LinearRegression.N;
    private static final double LAMBDA = LinearRegression.LAMBDA;
    private static final String WEIGHT = AdapterNames.of("0", AdapterNames.WEIGHT);

    private NDManager manager;

    @BeforeEach
    void setUp() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    @Test
    void fitsTheMeanFieldOptimumOfBayesianLinearRegression() throws Exception {
        LinearRegression problem = new LinearRegression(manager, 0.8, 0.6);
        double[][] cov = problem.cov;
        double[] mean = problem.mean;
        double[] meanField = {1 / problem.precision[0][0], 1 / problem.precision[1][1]};
        SequentialBlock base = problem.base;
        ArrayDataset data = problem.data;
        int steps = 3000;
        ViRule rule =
                ViRule.builder()
                        .setPriorPrecision(LAMBDA)
                        .optLearningRate(
                                Tracker.cosine()
                                        .setBaseValue(0.03f)
                                        .optFinalValue(3e-4f)
                                        .setMaxUpdates(steps)
                                        .build())
                        .optSeed(7)
                        .build();
        try (ParticleBlock model =
                Bella.wrap(
                        base,
                        BellaConfig.builder().optFullRankTargets("0").optParticles(16).build())) {
            ParticlePosterior fit =
                    rule.trainer()
                            .optLoss(LinearRegression.gaussian())
                            .clearEvaluators()
                            .optBatchSize(N)
                            .optEpochs(steps)
                            .build()
                            .fit(model, data, null);
            assertThat(fit.getProvenance().method()).isEqualTo("vi");
            assertThat(fit.getProvenance().settings()).containsEntry("kl_prior_precision", "1.0");
            float[] mu = rule.means().get(WEIGHT);
            float[] sd = rule.standardDeviations().get(WEIGHT);
            for (int a = 0; a < 2; a++) {
                double postSd = Math.sqrt(cov[a][a]);
                assertThat(Math.abs(mu[a] - mean[a]))
                        .as("mu %d = %s vs exact %s", a, mu[a], mean[a])
                        .isLessThan(0.05 * postSd);
                double var = (double) sd[a] * sd[a];
                assertThat(var / meanField[a])
                        .as("sigma^2 %d = %s vs 1/Lambda_ii %s", a, var, meanField[a])
                        .isBetween(0.9, 1.1);
                // Mean-field under-reports the marginal variance when the inputs correlate.
                assertThat(var / cov[a][a]).as("vs the marginal variance").isLessThan(0.5);
            }
            EpochStats last = fit.getProvenance().history().get(steps - 1);
            System.out.printf(
                    "VI: mu = (%.5f, %.5f), exact (%.5f, %.5f); sigma^2 = (%.6f, %.6f),"
                            + " 1/Lambda_ii = (%.6f, %.6f), marginal (%.6f, %.6f); last epoch %s%n",
                    mu[0],
                    mu[1],
                    mean[0],
                    mean[1],
                    sd[0] * sd[0],
                    sd[1] * sd[1],
                    meanField[0],
                    meanField[1],
                    cov[0][0],
                    cov[1][1],
                    last);

            try (ParticlePosterior draws = rule.toPosterior(fit, 4000, 3)) {
                assertThat(draws.getSampleCount()).isEqualTo(4000);
                assertThat(draws.getProvenance().method()).isEqualTo("vi");
                assertThat(draws.getProvenance().settings())
                        .containsEntry("samples", "4000")
                        .containsEntry("sample_seed", "3");
                float[] w =
                        draws.getParticles()
                                .getLayers(FullRankLinear.class)
                                .get("0")
                                .getWeights()
                                .getArray()
                                .toFloatArray(); // (S, 1, 2)
                int s = w.length / 2;
                for (int a = 0; a < 2; a++) {
                    double m = 0;
                    for (int k = 0; k < s; k++) {
                        m += w[2 * k + a] / (double) s;
                    }
                    double v = 0;
                    for (int k = 0; k < s; k++) {
                        v += (w[2 * k + a] - m) * (w[2 * k + a] - m) / (s - 1);
                    }
                    // 4,000 draws: the mean within 4 standard errors, the variance within 10 %.
                    assertThat(Math.abs(m - mu[a])).isLessThan(4 * sd[a] / Math.sqrt(s));
                    assertThat(v / (sd[a] * sd[a])).isBetween(0.9, 1.1);
                }
            }
        }
    }

    @Test
    void badSettingsAreRejectedWithTheValue() {
        assertThatThrownBy(() -> ViRule.builder().build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("none");
        assertThatThrownBy(() -> ViRule.builder().setPriorPrecision(-2).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-2.0");
        assertThatThrownBy(() -> ViRule.builder().setPriorPrecision(Double.NaN).build())
                .hasMessageContaining("NaN");
        assertThatThrownBy(() -> ViRule.builder().setPriorPrecision(1).optInitialStd(0).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("0.0");
        assertThatThrownBy(() -> ViRule.builder().optLearningRate(Float.NaN))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("NaN");
    }

    @Test
    void samplingBeforeTrainingIsAStateError() {
        ViRule rule = ViRule.builder().setPriorPrecision(1).build();
        assertThatThrownBy(rule::means)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("trainer()");
        assertThatThrownBy(() -> rule.toPosterior(null, 0, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("got 0");
    }

    @Test
    void softplusAndItsInverseRoundTrip() {
        for (double s : new double[] {1e-6, 1e-3, 0.5, 1, 30}) {
            assertThat(ViRule.softplus(ViRule.inverseSoftplus(s))).isCloseTo(s, within(s));
        }
    }

    private static org.assertj.core.data.Offset<Double> within(double s) {
        return org.assertj.core.api.Assertions.within(1e-9 * Math.max(1, s));
    }
}
