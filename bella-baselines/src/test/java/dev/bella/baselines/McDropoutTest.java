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
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.initializer.NormalInitializer;
import dev.bella.core.Bella;
import dev.bella.core.BellaConfig;
import dev.bella.core.LowRankLinear;
import dev.bella.core.ParticleBlock;
import dev.bella.core.Seeds;
import dev.bella.core.posterior.Posterior;
import dev.bella.core.posterior.Posteriors;
import dev.bella.core.posterior.Prediction;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * MC dropout against a brute force: each of the \( S \) stochastic passes is recomputed here in
 * plain Java (double precision) from the frozen weights, the adapter and the masks of the
 * documented recipe ({@code Seeds.stream(seed, sample, layer)}, one uniform per input value), and
 * their softmaxes averaged; the posterior must give the same mean, entropy and mutual information.
 */
class McDropoutTest {

    private static final int IN = 4;
    private static final int HIDDEN = 6;
    private static final int CLASSES = 3;
    private static final int BATCH = 5;
    private static final double P = 0.3;

    private NDManager manager;
    private SequentialBlock base;

    @BeforeEach
    void setUp() {
        manager = NDManager.newBaseManager();
        base =
                new SequentialBlock()
                        .add(Linear.builder().setUnits(HIDDEN).build())
                        .add(Activation::relu)
                        .add(Linear.builder().setUnits(CLASSES).build());
        base.setInitializer(new NormalInitializer(0.6f), p -> true);
        manager.getEngine().setRandomSeed(3);
        base.initialize(manager, DataType.FLOAT32, new Shape(1, IN));
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    private ParticleBlock adapter(double dropout) {
        return Bella.wrap(
                base,
                BellaConfig.builder()
                        .optTargets("0", "2")
                        .optParticles(1)
                        .optRank(2)
                        .optAlpha(3)
                        .optBInitStd(0.5)
                        .optSeed(8)
                        .optAdapterDropout(dropout)
                        .build());
    }

    private NDArray inputs() {
        SplittableRandom rng = new SplittableRandom(4);
        float[] x = new float[BATCH * IN];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rng.nextGaussian();
        }
        return manager.create(x, new Shape(BATCH, IN));
    }

    /** One stochastic pass of a low-rank layer over a batch, in Java, masks from {@code rng}. */
    private static double[][] layer(double[][] x, LowRankLinear l, SplittableRandom rng, double p) {
        float[] w = l.getWeight().getArray().toFloatArray(); // (out, in)
        float[] b = l.getBias().getArray().toFloatArray();
        float[] a = l.getA().getArray().toFloatArray(); // (1, in, r)
        float[] bb = l.getB().getArray().toFloatArray(); // (1, r, out)
        int in = (int) l.getInFeatures();
        int out = (int) l.getOutFeatures();
        int r = l.getRank();
        double[][] y = new double[x.length][out];
        for (int e = 0; e < x.length; e++) {
            double[] dropped = new double[in];
            for (int k = 0; k < in; k++) {
                dropped[k] = rng.nextDouble() < p ? 0 : x[e][k] / (1 - p);
            }
            double[] low = new double[r];
            for (int q = 0; q < r; q++) {
                for (int k = 0; k < in; k++) {
                    low[q] += dropped[k] * a[k * r + q];
                }
            }
            for (int j = 0; j < out; j++) {
                double v = b[j];
                for (int k = 0; k < in; k++) {
                    v += x[e][k] * w[j * in + k];
                }
                for (int q = 0; q < r; q++) {
                    v += l.getScale() * low[q] * bb[q * out + j];
                }
                y[e][j] = v;
            }
        }
        return y;
    }

    /** The S passes' softmax outputs, {@code [S][b][C]}, computed in Java. */
    private static double[][][] bruteForce(
            ParticleBlock adapter, double[][] x, int samples, long seed) {
        LowRankLinear first = adapter.getLayers(LowRankLinear.class).get("0");
        LowRankLinear second = adapter.getLayers(LowRankLinear.class).get("2");
        double[][][] out = new double[samples][][];
        for (int s = 0; s < samples; s++) {
            double[][] h = layer(x, first, Seeds.stream(seed, s, 0), P);
            for (double[] row : h) {
                for (int j = 0; j < row.length; j++) {
                    row[j] = Math.max(0, row[j]);
                }
            }
            double[][] z = layer(h, second, Seeds.stream(seed, s, 1), P);
            for (double[] row : z) {
                double max = Double.NEGATIVE_INFINITY;
                for (double v : row) {
                    max = Math.max(max, v);
                }
                double sum = 0;
                for (int j = 0; j < row.length; j++) {
                    row[j] = Math.exp(row[j] - max);
                    sum += row[j];
                }
                for (int j = 0; j < row.length; j++) {
                    row[j] /= sum;
                }
            }
            out[s] = z;
        }
        return out;
    }

    private static double entropy(double[] p) {
        double h = 0;
        for (double v : p) {
            h -= v > 0 ? v * Math.log(v) : 0;
        }
        return h;
    }

    @Test
    void theMeanOfSStochasticPassesMatchesABruteForceAverage() {
        int samples = 8;
        long seed = 17;
        NDArray x = inputs();
        double[][] xs = new double[BATCH][IN];
        float[] xv = x.toFloatArray();
        for (int e = 0; e < BATCH; e++) {
            for (int k = 0; k < IN; k++) {
                xs[e][k] = xv[e * IN + k];
            }
        }
        try (ParticleBlock adapter = adapter(P);
                McDropout mc = McDropout.of(adapter, samples, seed)) {
            assertThat(mc.getSampleCount()).isEqualTo(samples);
            assertThat(mc.getProvenance().method()).isEqualTo("mc-dropout");
            assertThat(mc.getProvenance().settings()).containsEntry("samples", "8");
            double[][][] expected = bruteForce(adapter, xs, samples, seed);
            float[] sp = mc.sampleProbabilities(new NDList(x)).toFloatArray(); // (S, b, C)
            for (int s = 0; s < samples; s++) {
                for (int e = 0; e < BATCH; e++) {
                    for (int c = 0; c < CLASSES; c++) {
                        assertThat((double) sp[(s * BATCH + e) * CLASSES + c])
                                .as("sample %d, input %d, class %d", s, e, c)
                                .isCloseTo(expected[s][e][c], offset(2e-6));
                    }
                }
            }
            List<Prediction> predictions = mc.predict(new NDList(x));
            float[] logMean = mc.logPredictive(new NDList(x)).toFloatArray();
            for (int e = 0; e < BATCH; e++) {
                double[] mean = new double[CLASSES];
                double aleatoric = 0;
                for (int s = 0; s < samples; s++) {
                    for (int c = 0; c < CLASSES; c++) {
                        mean[c] += expected[s][e][c] / samples;
                    }
                    aleatoric += entropy(expected[s][e]) / samples;
                }
                Prediction pr = predictions.get(e);
                double mi = entropy(mean) - aleatoric;
                for (int c = 0; c < CLASSES; c++) {
                    assertThat(pr.probabilities()[c]).isCloseTo(mean[c], offset(2e-6));
                    assertThat((double) logMean[e * CLASSES + c])
                            .isCloseTo(Math.log(mean[c]), offset(1e-5));
                }
                assertThat(pr.entropy()).isCloseTo(entropy(mean), offset(1e-5));
                assertThat(pr.mutualInformation())
                        .as("MI of input %d", e)
                        .isCloseTo(mi, offset(1e-5))
                        .isGreaterThan(1e-4);
            }
            // The passes differ: no two samples give input 0 the same probabilities.
            for (int s = 1; s < samples; s++) {
                assertThat(sp[s * BATCH * CLASSES]).isNotEqualTo(sp[0]);
            }
            // A fixed function of the seed.
            assertThat(mc.sampleProbabilities(new NDList(x)).toFloatArray()).containsExactly(sp);
            try (McDropout other = McDropout.of(adapter, samples, seed + 1)) {
                assertThat(other.sampleProbabilities(new NDList(x)).toFloatArray())
                        .isNotEqualTo(sp);
            }
            // The adapter itself still predicts without dropout.
            assertThat(adapter.predict(new NDList(x)).singletonOrThrow().toFloatArray())
                    .containsExactly(
                            adapter.predict(new NDList(x)).singletonOrThrow().toFloatArray());
        }
    }

    @Test
    void savesAndLoadsTheAdapterWithItsSettings(@TempDir Path dir) throws Exception {
        NDArray x = inputs();
        try (ParticleBlock adapter = adapter(P);
                McDropout mc = McDropout.of(adapter, 5, 0.2, 9)) {
            float[] before = mc.sampleProbabilities(new NDList(x)).toFloatArray();
            mc.save(dir);
            try (McDropout back = McDropout.load(dir, base)) {
                assertThat(back.getSampleCount()).isEqualTo(5);
                assertThat(back.getDropout()).isEqualTo(0.2);
                assertThat(back.getProvenance().method()).isEqualTo("mc-dropout");
                assertThat(back.sampleProbabilities(new NDList(x)).toFloatArray())
                        .containsExactly(before);
            }
            try (Posterior any = Posteriors.load(dir, base)) {
                assertThat(any).isInstanceOf(McDropout.class);
                assertThat(any.sampleProbabilities(new NDList(x)).toFloatArray())
                        .containsExactly(before);
            }
        }
    }

    @Test
    void badArgumentsAreNamed() {
        try (ParticleBlock none = adapter(0);
                ParticleBlock adapter = adapter(P)) {
            assertThatThrownBy(() -> McDropout.of(none, 4, 1))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("adapter_dropout = 0");
            assertThatThrownBy(() -> McDropout.of(adapter, 0, 1))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("samples must be >= 1, got 0");
            for (double p : new double[] {0, 1, -0.2, Double.NaN}) {
                assertThatThrownBy(() -> McDropout.of(adapter, 4, p, 1))
                        .isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining(String.valueOf(p));
            }
            BellaConfig two = adapter.getConfig().toBuilder().optParticles(2).build();
            try (ParticleBlock pair = Bella.wrap(base, two)) {
                assertThatThrownBy(() -> McDropout.of(pair, 4, 1))
                        .isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("2 particles");
            }
        }
    }
}
