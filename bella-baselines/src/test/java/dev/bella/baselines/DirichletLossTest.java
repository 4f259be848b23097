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
import static org.assertj.core.api.Assertions.offset;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The distillation loss against the formula of SPEC §9 evaluated here in plain Java (double
 * precision, {@link Dirichlet#logDensity} on the smoothed samples), and its autograd gradient
 * against the chain rule \( \partial \ell / \partial z_c = -\frac{1}{b} \alpha_c (\psi(\alpha_0) -
 * \psi(\alpha_c) + \overline{\log \tilde p}_c) \).
 */
class DirichletLossTest {

    private static final int B = 4;
    private static final int M = 5;
    private static final int C = 3;
    private static final double EPS = 1e-3;

    private NDManager manager;
    private double[][] z;
    private double[][][] samples;

    @BeforeEach
    void setUp() {
        manager = NDManager.newBaseManager();
        SplittableRandom rng = new SplittableRandom(12);
        z = new double[B][C];
        samples = new double[B][M][C];
        for (int i = 0; i < B; i++) {
            for (int c = 0; c < C; c++) {
                z[i][c] = 2 * rng.nextGaussian();
            }
            for (int m = 0; m < M; m++) {
                double sum = 0;
                for (int c = 0; c < C; c++) {
                    samples[i][m][c] = -Math.log(rng.nextDouble());
                    sum += samples[i][m][c];
                }
                for (int c = 0; c < C; c++) {
                    samples[i][m][c] /= sum;
                }
            }
        }
        samples[0][0] = new double[] {1, 0, 0}; // a hard zero: the smoothing must keep it finite
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    private NDArray zArray() {
        float[] v = new float[B * C];
        for (int i = 0; i < B; i++) {
            for (int c = 0; c < C; c++) {
                v[i * C + c] = (float) z[i][c];
            }
        }
        return manager.create(v, new Shape(1, B, C));
    }

    private NDArray sampleArray() {
        float[] v = new float[B * M * C];
        for (int i = 0; i < B; i++) {
            for (int m = 0; m < M; m++) {
                for (int c = 0; c < C; c++) {
                    v[(i * M + m) * C + c] = (float) samples[i][m][c];
                }
            }
        }
        return manager.create(v, new Shape(B, M, C));
    }

    private static double[] smoothed(double[] p) {
        double[] q = new double[p.length];
        for (int c = 0; c < p.length; c++) {
            q[c] = (1 - EPS) * (float) p[c] + EPS / p.length;
        }
        return q;
    }

    private double[] alpha(int i) {
        double[] a = new double[C];
        for (int c = 0; c < C; c++) {
            a[c] = Math.exp((float) z[i][c]);
        }
        return a;
    }

    @Test
    void lossIsTheMeanNegativeLogDensityOfTheSmoothedSamples() {
        double expected = 0;
        for (int i = 0; i < B; i++) {
            for (int m = 0; m < M; m++) {
                expected -= Dirichlet.logDensity(alpha(i), smoothed(samples[i][m]));
            }
        }
        expected /= B * M;
        NDArray loss =
                DirichletLoss.of(EPS).perParticle(new NDList(sampleArray()), new NDList(zArray()));
        assertThat(loss.getShape()).isEqualTo(new Shape(1));
        assertThat(loss.toDoubleArray()[0])
                .isCloseTo(expected, offset(1e-5 * Math.max(1, Math.abs(expected))));
    }

    @Test
    void gradientMatchesTheFormula() {
        NDArray zs = zArray();
        zs.setRequiresGradient(true);
        try (GradientCollector gc = manager.getEngine().newGradientCollector()) {
            NDArray loss =
                    DirichletLoss.of(EPS).perParticle(new NDList(sampleArray()), new NDList(zs));
            gc.backward(loss.sum());
        }
        float[] grad = zs.getGradient().toFloatArray();
        for (int i = 0; i < B; i++) {
            double[] a = alpha(i);
            double a0 = 0;
            for (double x : a) {
                a0 += x;
            }
            double[] meanLog = new double[C];
            for (int m = 0; m < M; m++) {
                double[] q = smoothed(samples[i][m]);
                for (int c = 0; c < C; c++) {
                    meanLog[c] += Math.log(q[c]) / M;
                }
            }
            for (int c = 0; c < C; c++) {
                double g =
                        -a[c] * (Dirichlet.digamma(a0) - Dirichlet.digamma(a[c]) + meanLog[c]) / B;
                assertThat((double) grad[i * C + c])
                        .as("d loss / d z[%d][%d]", i, c)
                        .isCloseTo(g, offset(1e-4 * Math.max(1, Math.abs(g))));
            }
        }
    }

    @Test
    void badLabelsAndSettingsAreRejectedWithTheValue() {
        DirichletLoss loss = DirichletLoss.create();
        assertThat(loss.getSmoothing()).isEqualTo(DirichletLoss.DEFAULT_SMOOTHING);
        NDArray bad = sampleArray();
        bad.set(new ai.djl.ndarray.index.NDIndex(2, 3, 1), 1.5f);
        assertThatThrownBy(() -> loss.checkLabels(new NDList(bad), new NDList(zArray())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(
                        "teacher sample 3 of example 2 has probability 1.5 for class 1");
        NDArray wrongShape = manager.ones(new Shape(B, C));
        assertThatThrownBy(() -> loss.checkLabels(new NDList(wrongShape), new NDList(zArray())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("got (4, 3)");
        assertThatThrownBy(() -> DirichletLoss.of(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("the value passed is 0.0");
        assertThatThrownBy(() -> DirichletLoss.of(Double.NaN))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("NaN");
    }
}
