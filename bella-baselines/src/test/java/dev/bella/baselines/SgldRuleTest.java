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
import dev.bella.core.Bella;
import dev.bella.core.BellaConfig;
import dev.bella.core.FullRankLinear;
import dev.bella.core.ParticleBlock;
import dev.bella.core.posterior.ParticlePosterior;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * SGLD on Bayesian linear regression, whose posterior is known in closed form: with inputs \( X \),
 * noise variance \( \sigma^2 \) and prior precision \( \lambda \), the weights' posterior is \(
 * \mathcal{N}(\mu, \Lambda^{-1}) \), \( \Lambda = \lambda I + X^\top X / \sigma^2 \), \( \mu =
 * \Lambda^{-1} X^\top y / \sigma^2 \). The chains' samples must match \( \mu \) and \( \Lambda^{-1}
 * \).
 */
class SgldRuleTest {

    private static final int N = LinearRegression.N;
    private static final double LAMBDA = LinearRegression.LAMBDA;

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
    void chainsSampleTheBayesianLinearRegressionPosterior() throws Exception {
        LinearRegression problem = new LinearRegression(manager, 0.5, 1.0);
        double[][] cov = problem.cov;
        double[] mu = problem.mean;
        SequentialBlock base = problem.base;
        ArrayDataset data = problem.data;
        int chains = 8;
        SgldRule rule = SgldRule.of(2e-4, 5);
        try (ParticleBlock model =
                Bella.wrap(
                        base,
                        BellaConfig.builder()
                                .optFullRankTargets("0")
                                .optParticles(chains)
                                .build())) {
            SampleCollector collector = new SampleCollector(model, 500, 20);
            ParticlePosterior fit =
                    rule.trainer()
                            .optLoss(LinearRegression.gaussian())
                            .clearEvaluators()
                            .optPriorPrecision(LAMBDA)
                            .optBatchSize(N)
                            .optEpochs(10_000)
                            .addTrainingListener(() -> collector)
                            .build()
                            .fit(model, data, null);
            // 8 chains x 475 snapshots; the chains mix in about 80 steps along the posterior's
            // flattest direction (1 / (eta lambda_min / 2)), so the effective sample size is
            // about 500: the tolerances below are 4 standard errors or more.
            assertThat(fit.getProvenance().method()).isEqualTo("sgld");
            assertThat(collector.getSnapshotCount()).isEqualTo((10_000 - 500) / 20);
            try (ParticlePosterior samples = collector.toPosterior(fit.getProvenance())) {
                assertThat(samples.getSampleCount()).isEqualTo(475 * chains);
                assertThat(samples.getProvenance().settings()).containsEntry("burn_in", "500");
                float[] w =
                        samples.getParticles()
                                .getLayers(FullRankLinear.class)
                                .get("0")
                                .getWeights()
                                .getArray()
                                .toFloatArray(); // (S, 1, 2)
                int s = w.length / 2;
                double[] m = new double[2];
                for (int k = 0; k < s; k++) {
                    m[0] += w[2 * k] / (double) s;
                    m[1] += w[2 * k + 1] / (double) s;
                }
                double[][] c = new double[2][2];
                for (int k = 0; k < s; k++) {
                    for (int a = 0; a < 2; a++) {
                        for (int b = 0; b < 2; b++) {
                            c[a][b] += (w[2 * k + a] - m[a]) * (w[2 * k + b] - m[b]) / (s - 1);
                        }
                    }
                }
                double sd0 = Math.sqrt(cov[0][0]);
                double sd1 = Math.sqrt(cov[1][1]);
                assertThat(Math.abs(m[0] - mu[0])).as("mean 0 vs %s", mu[0]).isLessThan(0.3 * sd0);
                assertThat(Math.abs(m[1] - mu[1])).as("mean 1 vs %s", mu[1]).isLessThan(0.3 * sd1);
                assertThat(c[0][0] / cov[0][0]).as("var 0").isBetween(0.75, 1.3);
                assertThat(c[1][1] / cov[1][1]).as("var 1").isBetween(0.75, 1.3);
                double corr = cov[0][1] / (sd0 * sd1);
                double sampleCorr = c[0][1] / Math.sqrt(c[0][0] * c[1][1]);
                assertThat(Math.abs(sampleCorr - corr)).as("correlation %s", corr).isLessThan(0.15);
            }
        }
    }

    @Test
    void badSettingsAreRejectedWithTheValue() {
        assertThatThrownBy(() -> SgldRule.of(0, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("0.0");
        assertThatThrownBy(() -> SgldRule.of(Double.NaN, 1)).hasMessageContaining("NaN");
        assertThatThrownBy(() -> new SampleCollector(null, -1, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("burnIn = -1");
    }
}
