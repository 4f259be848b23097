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

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import dev.bella.core.AdapterNames;
import dev.bella.core.Bella;
import dev.bella.core.BellaConfig;
import dev.bella.core.FullRankLinear;
import dev.bella.core.ParticleBlock;
import dev.bella.core.posterior.ParticlePosterior;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Laplace fit against closed forms: for a linear model the GGN is known exactly — \( X^\top X /
 * \sigma^2 \) for a Gaussian likelihood, \( \sum_n x_{ni}^2 p_{nc}(1 - p_{nc}) \) on the diagonal
 * for a softmax — so the Monte Carlo estimate, the chosen prior precision and the sampled variances
 * can all be checked by independent arithmetic.
 */
class LaplaceTest {

    private static final int N = 64;
    private NDManager manager;

    @BeforeEach
    void setUp() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    private ParticleBlock oneParticle(int in, int out, float[] weights) {
        SequentialBlock base =
                new SequentialBlock().add(Linear.builder().setUnits(out).optBias(false).build());
        base.initialize(manager, DataType.FLOAT32, new Shape(1, in));
        ParticleBlock p =
                Bella.wrap(
                        base,
                        BellaConfig.builder().optFullRankTargets("0").optParticles(1).build());
        p.getLayers(FullRankLinear.class).get("0").getWeights().getArray().set(weights);
        return p;
    }

    private static double[][] inputs(long seed, int d) {
        SplittableRandom rng = new SplittableRandom(seed);
        double[][] x = new double[N][d];
        for (double[] row : x) {
            for (int i = 0; i < d; i++) {
                row[i] = rng.nextGaussian();
            }
        }
        return x;
    }

    private NDArray array(double[][] x) {
        float[] f = new float[x.length * x[0].length];
        for (int n = 0; n < x.length; n++) {
            for (int i = 0; i < x[0].length; i++) {
                f[n * x[0].length + i] = (float) x[n][i];
            }
        }
        return manager.create(f, new Shape(x.length, x[0].length));
    }

    @Test
    void regressionGgnPriorAndSamplesMatchTheClosedForms() {
        double sigma2 = 0.25;
        double[][] x = inputs(3, 2);
        float[] w = {0.7f, -0.4f};
        try (ParticleBlock map = oneParticle(2, 1, w)) {
            Laplace.Fit fit =
                    Laplace.fit(map, array(x), Laplace.Likelihood.REGRESSION, sigma2, 256, 64, 9);
            float[] h = fit.ggn().get(AdapterNames.of("0", AdapterNames.WEIGHT));
            for (int i = 0; i < 2; i++) {
                double exact = 0;
                for (double[] row : x) {
                    exact += row[i] * row[i] / sigma2;
                }
                assertThat(h[i] / exact)
                        .as("GGN diagonal %d vs %s", i, exact)
                        .isBetween(0.93, 1.07);
            }
            // The prior precision maximises the evidence: check against a fine grid, computed here.
            double best = Double.NEGATIVE_INFINITY;
            double bestLambda = 0;
            double sumSq = w[0] * w[0] + w[1] * w[1];
            for (double logL = -12; logL <= 12; logL += 1e-3) {
                double l = Math.exp(logL);
                double v =
                        -l / 2 * sumSq
                                + Math.log(l)
                                - 0.5 * Math.log(h[0] + l)
                                - 0.5 * Math.log(h[1] + l);
                if (v > best) {
                    best = v;
                    bestLambda = l;
                }
            }
            assertThat(fit.priorPrecision() / bestLambda).isBetween(0.99, 1.01);
            // With two values and |theta*|^2 = 0.65, the optimum is finite and O(1).
            assertThat(fit.priorPrecision()).isBetween(0.1, 100.0);
            try (ParticlePosterior q = fit.sample(4000, 1)) {
                assertThat(q.getProvenance().method()).isEqualTo("vbl");
                float[] s =
                        q.getParticles()
                                .getLayers(FullRankLinear.class)
                                .get("0")
                                .getWeights()
                                .getArray()
                                .toFloatArray();
                for (int i = 0; i < 2; i++) {
                    double m = 0;
                    double v = 0;
                    for (int k = 0; k < 4000; k++) {
                        m += s[2 * k + i] / 4000.0;
                    }
                    for (int k = 0; k < 4000; k++) {
                        v += (s[2 * k + i] - m) * (s[2 * k + i] - m) / 3999.0;
                    }
                    double expected = 1 / (h[i] + fit.priorPrecision());
                    assertThat(Math.abs(m - w[i])).isLessThan(5 * Math.sqrt(expected / 4000));
                    assertThat(v / expected).as("variance %d", i).isBetween(0.9, 1.1);
                }
            }
        }
    }

    @Test
    void classificationGgnMatchesTheSoftmaxClosedForm() {
        int d = 3;
        int classes = 4;
        double[][] x = inputs(5, d);
        SplittableRandom rng = new SplittableRandom(8);
        float[] w = new float[classes * d]; // DJL layout (out, in)
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (0.5 * rng.nextGaussian());
        }
        try (ParticleBlock map = oneParticle(d, classes, w)) {
            Laplace.Fit fit =
                    Laplace.fit(map, array(x), Laplace.Likelihood.CLASSIFICATION, 0, 400, 32, 4);
            float[] h = fit.ggn().get(AdapterNames.of("0", AdapterNames.WEIGHT));
            for (int c = 0; c < classes; c++) {
                for (int i = 0; i < d; i++) {
                    double exact = 0;
                    for (double[] row : x) {
                        double[] z = new double[classes];
                        double max = Double.NEGATIVE_INFINITY;
                        for (int k = 0; k < classes; k++) {
                            for (int j = 0; j < d; j++) {
                                z[k] += w[k * d + j] * row[j];
                            }
                            max = Math.max(max, z[k]);
                        }
                        double sum = 0;
                        for (int k = 0; k < classes; k++) {
                            sum += Math.exp(z[k] - max);
                        }
                        double p = Math.exp(z[c] - max) / sum;
                        exact += row[i] * row[i] * p * (1 - p);
                    }
                    assertThat(h[c * d + i] / exact)
                            .as("GGN diagonal (%d, %d) vs %s", c, i, exact)
                            .isBetween(0.85, 1.15);
                }
            }
        }
    }

    @Test
    void badArgumentsAreNamed() {
        try (ParticleBlock map = oneParticle(2, 1, new float[] {0, 0})) {
            NDArray x = manager.zeros(new Shape(4, 2));
            assertThatThrownBy(
                            () -> Laplace.fit(map, x, Laplace.Likelihood.REGRESSION, -1, 1, 1, 0))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("-1.0");
            assertThatThrownBy(() -> Laplace.fit(map, x, Laplace.Likelihood.REGRESSION, 1, 0, 1, 0))
                    .hasMessageContaining("labelSamples");
        }
    }
}
