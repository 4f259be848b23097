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
package dev.bella.examples.robustness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.ParameterList;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.training.loss.Loss;
import ai.djl.util.Pair;
import dev.bella.core.Bella;
import dev.bella.core.BellaConfig;
import dev.bella.core.LowRankLinear;
import dev.bella.core.MergedParticle;
import dev.bella.core.ParticleBlock;
import dev.bella.core.posterior.ParticlePosterior;
import dev.bella.core.posterior.PointEstimate;
import dev.bella.core.posterior.Posterior;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class FgsmTest {

    private static final int D_IN = 5;
    private static final int CLASSES = 4;

    private NDManager manager;

    @BeforeEach
    void setUp() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    private SequentialBlock linear(int seed) {
        SequentialBlock base =
                new SequentialBlock().add(Linear.builder().setUnits(CLASSES).build());
        base.setInitializer(new NormalInitializer(0.8f), Parameter.Type.WEIGHT);
        base.setInitializer(new NormalInitializer(0.3f), Parameter.Type.BIAS);
        manager.getEngine().setRandomSeed(seed);
        base.initialize(manager, DataType.FLOAT32, new Shape(1, D_IN));
        return base;
    }

    private ParticleBlock particles(SequentialBlock base, int n) {
        return Bella.wrap(
                base,
                BellaConfig.builder()
                        .optTargets("0")
                        .optParticles(n)
                        .optRank(2)
                        .optBInitStd(0.6)
                        .optSeed(17)
                        .build());
    }

    private NDArray uniform(long seed, int b, int d) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] v = new float[b * d];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) rng.nextDouble(0.1, 0.9);
        }
        return manager.create(v, new Shape(b, d));
    }

    /** Each particle's effective weight (d_in x C): W0^T + s A_i B_i, in double. */
    private static double[][][] effectiveWeights(ParticleBlock model) {
        LowRankLinear layer = model.getLayers(LowRankLinear.class).get("0");
        int n = model.getParticleCount();
        float[] w0 = layer.getWeight().getArray().toFloatArray(); // (C, d_in)
        Shape as = layer.getA().getArray().getShape(); // (n, d_in, r)
        int r = (int) as.get(2);
        float[] a = layer.getA().getArray().toFloatArray();
        float[] b = layer.getB().getArray().toFloatArray(); // (n, r, C)
        double s = layer.getScale();
        double[][][] w = new double[n][D_IN][CLASSES];
        for (int i = 0; i < n; i++) {
            for (int d = 0; d < D_IN; d++) {
                for (int c = 0; c < CLASSES; c++) {
                    double v = w0[c * D_IN + d];
                    for (int k = 0; k < r; k++) {
                        v += s * a[(i * D_IN + d) * r + k] * b[(i * r + k) * CLASSES + c];
                    }
                    w[i][d][c] = v;
                }
            }
        }
        return w;
    }

    /**
     * dL/dx_k for L = -(1/b) sum_k log pbar_k[y_k], pbar = (1/n) sum_i softmax(x W_i + b0): -(1 /
     * (b n pbar_k[y])) sum_i p_ik[y] W_i (e_y - p_ik).
     */
    private static double[][] analyticGradient(double[][][] w, float[] bias, float[] x, long[] y) {
        int n = w.length;
        int b = y.length;
        double[][] g = new double[b][D_IN];
        for (int k = 0; k < b; k++) {
            double[][] p = new double[n][CLASSES];
            double pbar = 0;
            for (int i = 0; i < n; i++) {
                double max = Double.NEGATIVE_INFINITY;
                double[] z = new double[CLASSES];
                for (int c = 0; c < CLASSES; c++) {
                    z[c] = bias[c];
                    for (int d = 0; d < D_IN; d++) {
                        z[c] += x[k * D_IN + d] * w[i][d][c];
                    }
                    max = Math.max(max, z[c]);
                }
                double sum = 0;
                for (int c = 0; c < CLASSES; c++) {
                    p[i][c] = Math.exp(z[c] - max);
                    sum += p[i][c];
                }
                for (int c = 0; c < CLASSES; c++) {
                    p[i][c] /= sum;
                }
                pbar += p[i][(int) y[k]] / n;
            }
            for (int i = 0; i < n; i++) {
                for (int d = 0; d < D_IN; d++) {
                    double dot = 0;
                    for (int c = 0; c < CLASSES; c++) {
                        double e = c == y[k] ? 1 : 0;
                        dot += w[i][d][c] * (e - p[i][c]);
                    }
                    g[k][d] += -p[i][(int) y[k]] * dot / (b * n * pbar);
                }
            }
        }
        return g;
    }

    @Test
    void gradientAndPerturbationMatchTheAnalyticPosteriorPredictiveGradient() {
        SequentialBlock base = linear(1);
        try (ParticleBlock model = particles(base, 3)) {
            double[][][] w = effectiveWeights(model);
            assertThat(w[0][0][0]).as("particles differ").isNotEqualTo(w[1][0][0]);
            float[] bias =
                    model.getLayers(LowRankLinear.class)
                            .get("0")
                            .getBias()
                            .getArray()
                            .toFloatArray();
            NDArray x = uniform(3, 6, D_IN);
            long[] y = {0, 1, 2, 3, 1, 2};
            NDArray labels = manager.create(y);
            double[][] g = analyticGradient(w, bias, x.toFloatArray(), y);

            float[] got = Fgsm.lossGradient(posterior(model), x, labels).toFloatArray();
            double eps = 0.01;
            float[] adv = Fgsm.attack(posterior(model), x, labels, eps, -10, 10).toFloatArray();
            float[] xs = x.toFloatArray();
            for (int k = 0; k < y.length; k++) {
                for (int d = 0; d < D_IN; d++) {
                    int i = k * D_IN + d;
                    assertThat((double) got[i])
                            .as("grad[%d][%d]", k, d)
                            .isCloseTo(g[k][d], within(1e-5 + 1e-4 * Math.abs(g[k][d])));
                    assertThat(Math.abs(g[k][d])).as("no vanishing components").isGreaterThan(1e-5);
                    assertThat((double) adv[i] - xs[i])
                            .as("step[%d][%d]", k, d)
                            .isCloseTo(eps * Math.signum(g[k][d]), within(1e-6));
                }
            }
        }
    }

    @Test
    void theParticleMeanIsNotTheMeanOfLogits() {
        // With one particle the formula reduces to softmax regression's W (p - e_y) / b; with
        // several the mean of probabilities weighs each particle by p_i[y] / pbar[y].
        SequentialBlock base = linear(2);
        try (ParticleBlock model = particles(base, 4)) {
            NDArray x = uniform(4, 3, D_IN);
            long[] y = {2, 0, 3};
            NDArray labels = manager.create(y);
            float[] got = Fgsm.lossGradient(posterior(model), x, labels).toFloatArray();
            double[][][] w = effectiveWeights(model);
            float[] bias =
                    model.getLayers(LowRankLinear.class)
                            .get("0")
                            .getBias()
                            .getArray()
                            .toFloatArray();
            double[][] g = analyticGradient(w, bias, x.toFloatArray(), y);
            // The gradient of the mean of the particles' NLLs (a different loss) differs.
            double[][] mixed = new double[3][D_IN];
            for (int i = 0; i < 4; i++) {
                double[][] gi =
                        analyticGradient(new double[][][] {w[i]}, bias, x.toFloatArray(), y);
                for (int k = 0; k < 3; k++) {
                    for (int d = 0; d < D_IN; d++) {
                        mixed[k][d] += gi[k][d] / 4;
                    }
                }
            }
            double diffToOurs = 0;
            double diffToMixed = 0;
            for (int k = 0; k < 3; k++) {
                for (int d = 0; d < D_IN; d++) {
                    diffToOurs = Math.max(diffToOurs, Math.abs(got[k * D_IN + d] - g[k][d]));
                    diffToMixed = Math.max(diffToMixed, Math.abs(got[k * D_IN + d] - mixed[k][d]));
                }
            }
            assertThat(diffToOurs).isLessThan(1e-5);
            assertThat(diffToMixed).isGreaterThan(1e-3);
        }
    }

    @Test
    void aPlainBlockIsOneParticleAndKeepsItsGradientFlags() {
        SequentialBlock base = linear(5); // DJL's initialize marks weights as requiring gradients
        ParameterList params = base.getParameters();
        for (Pair<String, Parameter> p : params) {
            assertThat(p.getValue().getArray().hasGradient()).isTrue();
        }
        NDArray x = uniform(6, 4, D_IN);
        long[] y = {3, 2, 1, 0};
        float[] got = Fgsm.lossGradient(posterior(base), x, manager.create(y)).toFloatArray();
        Linear layer = (Linear) base.getChildren().get(0).getValue();
        float[] w0 = layer.getParameters().get("weight").getArray().toFloatArray();
        float[] bias = layer.getParameters().get("bias").getArray().toFloatArray();
        double[][][] w = new double[1][D_IN][CLASSES];
        for (int d = 0; d < D_IN; d++) {
            for (int c = 0; c < CLASSES; c++) {
                w[0][d][c] = w0[c * D_IN + d];
            }
        }
        double[][] g = analyticGradient(w, bias, x.toFloatArray(), y);
        for (int k = 0; k < 4; k++) {
            for (int d = 0; d < D_IN; d++) {
                assertThat((double) got[k * D_IN + d]).isCloseTo(g[k][d], within(1e-5));
            }
        }
        for (Pair<String, Parameter> p : params) {
            NDArray a = p.getValue().getArray();
            assertThat(a.hasGradient()).as(p.getKey() + " still trainable").isTrue();
            assertThat(a.getGradient().abs().sum().getFloat())
                    .as(p.getKey() + " received no gradient")
                    .isZero();
        }
    }

    @Test
    void trainableAdaptersReceiveNoGradientAndNothingLeaks() {
        SequentialBlock base = linear(7);
        try (ParticleBlock model = particles(base, 3)) {
            model.setAdaptersTrainable(true);
            try (NDManager scope = manager.newSubManager()) {
                NDArray x = scope.create(uniform(8, 5, D_IN).toFloatArray(), new Shape(5, D_IN));
                NDArray labels = scope.create(new long[] {0, 1, 2, 3, 0});
                int before = scope.getManagedArrays().size();
                for (int i = 0; i < 20; i++) {
                    NDArray adv = Fgsm.attack(posterior(model), x, labels, 0.03, 0, 1);
                    assertThat(scope.getManagedArrays()).hasSize(before + 1);
                    adv.close();
                    Fgsm.lossGradient(posterior(model), x, labels).close();
                }
                Fgsm.accuracyCurve(posterior(model), x, labels, 2);
                assertThat(scope.getManagedArrays()).hasSize(before);
            }
            for (Parameter p : model.getParticleParameters().values()) {
                assertThat(p.getArray().hasGradient())
                        .as(p.getName() + " still trainable")
                        .isTrue();
                assertThat(p.getArray().getGradient().abs().sum().getFloat())
                        .as(p.getName() + " received no gradient")
                        .isZero();
            }
            model.setAdaptersTrainable(false);
        }
    }

    @Test
    void zeroEpsilonReturnsTheInputAndClippingKeepsTheRange() {
        SequentialBlock base = linear(9);
        try (ParticleBlock model = particles(base, 2)) {
            NDArray x = uniform(10, 8, D_IN);
            NDArray labels = manager.create(new long[] {0, 1, 2, 3, 0, 1, 2, 3});
            assertThat(Fgsm.attack(posterior(model), x, labels, 0, 0, 1).toFloatArray())
                    .containsExactly(x.toFloatArray());
            float[] xs = x.toFloatArray();
            float[] adv = Fgsm.attack(posterior(model), x, labels, 0.5, 0, 1).toFloatArray();
            int clipped = 0;
            for (int i = 0; i < adv.length; i++) {
                assertThat(adv[i]).isBetween(0f, 1f);
                assertThat(Math.abs(adv[i] - xs[i])).isLessThanOrEqualTo(0.5f + 1e-6f);
                clipped += adv[i] == 0f || adv[i] == 1f ? 1 : 0;
            }
            assertThat(clipped).as("a large step reaches the bounds").isGreaterThan(0);
            float[] narrow = Fgsm.attack(posterior(model), x, labels, 0.5, 0.3, 0.6).toFloatArray();
            for (float v : narrow) {
                assertThat(v).isBetween(0.3f, 0.6f);
            }
        }
    }

    @Test
    void accuracyFallsWithEpsilonOnATrainedModel() {
        int n = 160;
        int d = 6;
        SplittableRandom rng = new SplittableRandom(21);
        double[][] centres = new double[3][d];
        for (double[] c : centres) {
            for (int j = 0; j < d; j++) {
                c[j] = rng.nextDouble(0.25, 0.75);
            }
        }
        float[] xs = new float[n * d];
        long[] ys = new long[n];
        for (int i = 0; i < n; i++) {
            ys[i] = i % 3;
            for (int j = 0; j < d; j++) {
                double v = centres[(int) ys[i]][j] + 0.06 * rng.nextGaussian();
                xs[i * d + j] = (float) Math.min(1, Math.max(0, v));
            }
        }
        NDArray x = manager.create(xs, new Shape(n, d));
        NDArray y = manager.create(ys);
        SequentialBlock mlp = trainMlp(x, y);
        ParticleBlock model =
                Bella.wrap(
                        mlp,
                        BellaConfig.builder()
                                .optTargets("0", "2")
                                .optParticles(4)
                                .optRank(2)
                                .optBInitStd(0.05)
                                .optSeed(3)
                                .build());
        try (model) {
            double[] eps = {0, 0.001, 0.005, 0.01, 0.03, 0.1, 0.2};
            FgsmCurve curve = Fgsm.accuracyCurve(posterior(model), x, y, eps, 0, 1, 64);
            assertThat(curve.examples()).isEqualTo(n);
            assertThat(curve.epsilons()).containsExactly(0.0, 0.001, 0.005, 0.01, 0.03, 0.1, 0.2);
            assertThat(curve.accuracy(0)).as(curve.toString()).isGreaterThan(0.95);
            for (int i = 1; i < eps.length; i++) {
                assertThat(curve.accuracy(i))
                        .as(curve.toString())
                        .isLessThanOrEqualTo(curve.accuracy(i - 1));
            }
            assertThat(curve.accuracy(eps.length - 1))
                    .as(curve.toString())
                    .isLessThan(curve.accuracy(0) - 0.3);
            // Each example's gradient sign does not depend on the batch it is in.
            FgsmCurve ones = Fgsm.accuracyCurve(posterior(model), x, y, eps, 0, 1, 7);
            assertThat(ones.accuracies()).isEqualTo(curve.accuracies());
            // Clean accuracy equals the posterior predictive's.
            long[] predicted =
                    model.predict(new NDList(x))
                            .singletonOrThrow()
                            .softmax(2)
                            .mean(new int[] {0})
                            .argMax(1)
                            .toLongArray();
            int correct = 0;
            for (int i = 0; i < n; i++) {
                correct += predicted[i] == ys[i] ? 1 : 0;
            }
            assertThat(curve.accuracy(0)).isEqualTo(correct / (double) n);
            // A single merged particle is attacked as a one-particle model.
            try (MergedParticle merged = model.merge(0)) {
                FgsmCurve single = Fgsm.accuracyCurve(posterior(merged.getBlock()), x, y, 64);
                assertThat(single.epsilons()).containsExactly(0.001, 0.005, 0.01, 0.03);
                assertThat(single.accuracy(0)).isGreaterThan(0.9);
            }
        }
    }

    /** Linear(16) - relu - Linear(3) by 60 steps of full-batch gradient descent. */
    private SequentialBlock trainMlp(NDArray x, NDArray y) {
        SequentialBlock mlp =
                new SequentialBlock()
                        .add(Linear.builder().setUnits(16).build())
                        .add(Activation::relu)
                        .add(Linear.builder().setUnits(3).build());
        mlp.setInitializer(new NormalInitializer(0.5f), Parameter.Type.WEIGHT);
        manager.getEngine().setRandomSeed(5);
        mlp.initialize(manager, DataType.FLOAT32, x.getShape());
        Loss loss = Loss.softmaxCrossEntropyLoss();
        for (int step = 0; step < 60; step++) {
            try (NDManager scope = manager.newSubManager()) {
                NDArray xs = x.duplicate();
                xs.attach(scope);
                try (GradientCollector gc = manager.getEngine().newGradientCollector()) {
                    NDArray logits =
                            mlp.forward(new ParameterStore(scope, false), new NDList(xs), true)
                                    .singletonOrThrow();
                    gc.backward(loss.evaluate(new NDList(y), new NDList(logits)));
                }
                for (Pair<String, Parameter> p : mlp.getParameters()) {
                    NDArray w = p.getValue().getArray();
                    NDArray g = w.getGradient();
                    g.attach(scope);
                    w.subi(g.mul(1.0f));
                    g.subi(g);
                }
            }
        }
        return mlp;
    }

    @Test
    void badArgumentsAreNamedInTheError() {
        SequentialBlock base = linear(11);
        NDArray x = uniform(12, 3, D_IN);
        NDArray labels = manager.create(new long[] {0, 1, 2});
        assertThatThrownBy(() -> Fgsm.attack(posterior(base), x, labels, -0.1, 0, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("eps must be finite and >= 0, got -0.1");
        assertThatThrownBy(() -> Fgsm.attack(posterior(base), x, labels, Double.NaN, 0, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("eps must be finite and >= 0, got NaN");
        assertThatThrownBy(
                        () ->
                                Fgsm.attack(
                                        posterior(base), x, labels, Double.POSITIVE_INFINITY, 0, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("got Infinity");
        assertThatThrownBy(() -> Fgsm.attack(posterior(base), x, labels, 0.1, 1, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("lo < hi, got lo = 1.0, hi = 1.0");
        assertThatThrownBy(() -> Fgsm.attack(posterior(base), x, labels, 0.1, Double.NaN, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("lo = NaN");
        assertThatThrownBy(
                        () ->
                                Fgsm.attack(
                                        posterior(base),
                                        x,
                                        manager.create(new long[] {0, 1}),
                                        0.1,
                                        0,
                                        1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(
                        "labels must have shape (3) to match the batch of x, got (2)");
        assertThatThrownBy(
                        () ->
                                Fgsm.attack(
                                        posterior(base),
                                        x,
                                        manager.create(new long[] {0, 1, 2}, new Shape(3, 1)),
                                        0.1,
                                        0,
                                        1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("got (3, 1)");
        assertThatThrownBy(
                        () ->
                                Fgsm.attack(
                                        posterior(base),
                                        x,
                                        manager.create(new long[] {0, 4, 1}),
                                        0.1,
                                        0,
                                        1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("labels[1] = 4 is not a class of the model's 4");
        assertThatThrownBy(
                        () ->
                                Fgsm.attack(
                                        posterior(base),
                                        x,
                                        manager.create(new long[] {0, -1, 1}),
                                        0.1,
                                        0,
                                        1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("labels[1] = -1");
        assertThatThrownBy(
                        () ->
                                Fgsm.attack(
                                        posterior(base),
                                        x,
                                        manager.create(new float[] {0, 1.5f, 1}),
                                        0.1,
                                        0,
                                        1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("labels[1] = 1.5");
        assertThat(
                        Fgsm.attack(
                                        posterior(base),
                                        x,
                                        manager.create(new float[] {0, 1, 2}),
                                        0.1,
                                        0,
                                        1)
                                .getShape())
                .isEqualTo(x.getShape());
        assertThatThrownBy(
                        () ->
                                Fgsm.attack(
                                        posterior(base),
                                        manager.create(new int[] {1, 2, 3, 4, 5}, new Shape(1, 5)),
                                        manager.create(new long[] {0}),
                                        0.1,
                                        0,
                                        1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("x must be floating point");
        assertThatThrownBy(() -> Fgsm.accuracyCurve(posterior(base), x, labels, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("batchSize must be >= 1, got 0");
        assertThatThrownBy(
                        () ->
                                Fgsm.accuracyCurve(
                                        posterior(base), x, labels, new double[0], 0, 1, 2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("epsilons must hold at least one value");
        assertThatThrownBy(
                        () ->
                                Fgsm.accuracyCurve(
                                        posterior(base),
                                        x,
                                        labels,
                                        new double[] {0.1, -1},
                                        0,
                                        1,
                                        2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("epsilons[1] must be finite and >= 0, got -1.0");
        SequentialBlock threeD = linear(12);
        NDArray cube = manager.create(new float[3 * 2 * D_IN], new Shape(3, 2, D_IN));
        assertThatThrownBy(() -> Fgsm.attack(posterior(threeD), cube, labels, 0.1, 0, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("logits of shape (3, C), got (3, 2, 4)");
        assertThat(Fgsm.defaultEpsilons()).containsExactly(0.001, 0.005, 0.01, 0.03);
    }

    /** The posterior FGSM attacks: the particles, or a plain block as a point estimate. */
    private static Posterior posterior(Block model) {
        return model instanceof ParticleBlock
                ? ParticlePosterior.of((ParticleBlock) model)
                : PointEstimate.of(model);
    }
}
