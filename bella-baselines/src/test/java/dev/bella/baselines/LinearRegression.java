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

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.dataset.ArrayDataset;
import dev.bella.core.Scalars;
import dev.bella.core.train.ParticleLoss;
import java.util.SplittableRandom;

/**
 * Bayesian linear regression in two dimensions, the shared known posterior of the baselines' tests:
 * \( y = 0.7 x_0 - 0.4 x_1 + \varepsilon \), \( \varepsilon \sim \mathcal{N}(0, \sigma^2) \), \(
 * x_1 = c\,x_0 + s\,z \), a zero-mean Gaussian prior of precision \( \lambda \). The posterior is
 * \( \mathcal{N}(\mu, \Lambda^{-1}) \), \( \Lambda = \lambda I + X^\top X / \sigma^2 \), \( \mu =
 * \Lambda^{-1} X^\top y / \sigma^2 \), computed here in double precision.
 */
final class LinearRegression {

    static final int N = 64;
    static final double SIGMA2 = 0.25;
    static final double LAMBDA = 1.0;

    /** The posterior precision \( \Lambda \). */
    final double[][] precision = {{LAMBDA, 0}, {0, LAMBDA}};

    /** The posterior covariance \( \Lambda^{-1} \). */
    final double[][] cov;

    /** The posterior mean \( \mu \). */
    final double[] mean;

    /** A frozen {@code Linear(2 -> 1)} without bias, weights 0. */
    final SequentialBlock base;

    /** The data, in one full batch. */
    final ArrayDataset data;

    /**
     * Draws the data from seed 11.
     *
     * @param manager owns the arrays
     * @param coupling \( c \), how much \( x_1 \) follows \( x_0 \)
     * @param spread \( s \), the independent part of \( x_1 \)
     */
    LinearRegression(NDManager manager, double coupling, double spread) {
        SplittableRandom rng = new SplittableRandom(11);
        double[][] x = new double[N][2];
        double[] y = new double[N];
        float[] xf = new float[2 * N];
        float[] yf = new float[N];
        for (int i = 0; i < N; i++) {
            x[i][0] = rng.nextGaussian();
            x[i][1] = coupling * x[i][0] + spread * rng.nextGaussian();
            y[i] = 0.7 * x[i][0] - 0.4 * x[i][1] + Math.sqrt(SIGMA2) * rng.nextGaussian();
            xf[2 * i] = (float) x[i][0];
            xf[2 * i + 1] = (float) x[i][1];
            yf[i] = (float) y[i];
        }
        double[] xty = new double[2];
        for (int i = 0; i < N; i++) {
            for (int a = 0; a < 2; a++) {
                xty[a] += x[i][a] * y[i] / SIGMA2;
                for (int b = 0; b < 2; b++) {
                    precision[a][b] += x[i][a] * x[i][b] / SIGMA2;
                }
            }
        }
        double[][] p = precision;
        double det = p[0][0] * p[1][1] - p[0][1] * p[1][0];
        cov = new double[][] {{p[1][1] / det, -p[0][1] / det}, {-p[1][0] / det, p[0][0] / det}};
        mean =
                new double[] {
                    cov[0][0] * xty[0] + cov[0][1] * xty[1], cov[1][0] * xty[0] + cov[1][1] * xty[1]
                };
        base = new SequentialBlock().add(Linear.builder().setUnits(1).optBias(false).build());
        base.initialize(manager, DataType.FLOAT32, new Shape(1, 2));
        base.getParameters().get(0).getValue().getArray().set(new float[] {0, 0});
        data =
                new ArrayDataset.Builder()
                        .setData(manager.create(xf, new Shape(N, 2)))
                        .optLabels(manager.create(yf, new Shape(N)))
                        .setSampling(N, false)
                        .build();
    }

    /** Gaussian negative log-likelihood per example, \( (y - f)^2 / (2 \sigma^2) \). */
    static ParticleLoss gaussian() {
        return new ParticleLoss("gaussian_nll") {
            @Override
            public NDArray perParticle(NDList labels, NDList predictions) {
                NDArray f = predictions.singletonOrThrow(); // (n, b, 1)
                NDArray y = labels.singletonOrThrow().reshape(1, -1, 1);
                // Scalars.div: a Java number on a differentiated path must be engine-owned
                return Scalars.div(f.sub(y).square(), 2 * SIGMA2).squeeze(2).mean(new int[] {1});
            }
        };
    }
}
