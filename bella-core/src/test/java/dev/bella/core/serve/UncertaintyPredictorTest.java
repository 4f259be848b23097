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
package dev.bella.core.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.initializer.ConstantInitializer;
import dev.bella.core.Bella;
import dev.bella.core.BellaConfig;
import dev.bella.core.LowRankLinear;
import dev.bella.core.ParticleBlock;
import dev.bella.core.posterior.ParticlePosterior;
import dev.bella.core.posterior.Prediction;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class UncertaintyPredictorTest {

    private static final int FEATURES = 16;
    private static final int CLASSES = 5;
    private static final int PARTICLES = 5;

    private static NDManager manager;
    private static ParticleBlock particles;

    @BeforeAll
    static void wrap() {
        manager = NDManager.newBaseManager();
        particles = ServeFixtures.particles(manager, FEATURES, CLASSES, PARTICLES);
    }

    @AfterAll
    static void close() {
        particles.close();
        manager.close();
    }

    private static float[][] inputs(int count, long seed) {
        return ServeFixtures.inputs(count, FEATURES, seed);
    }

    /** Per-particle softmax probabilities in double, from ParticleBlock.predict's logits. */
    private static double[][][] particleProbabilities(float[][] x) {
        try (NDManager scope = manager.newSubManager()) {
            float[] flat = new float[x.length * FEATURES];
            for (int k = 0; k < x.length; k++) {
                System.arraycopy(x[k], 0, flat, k * FEATURES, FEATURES);
            }
            NDArray in = scope.create(flat, new Shape(x.length, FEATURES));
            float[] logits = particles.predict(new NDList(in)).singletonOrThrow().toFloatArray();
            double[][][] p = new double[PARTICLES][x.length][CLASSES];
            for (int i = 0; i < PARTICLES; i++) {
                for (int k = 0; k < x.length; k++) {
                    int o = (i * x.length + k) * CLASSES;
                    double m = Double.NEGATIVE_INFINITY;
                    for (int c = 0; c < CLASSES; c++) {
                        m = Math.max(m, logits[o + c]);
                    }
                    double z = 0;
                    for (int c = 0; c < CLASSES; c++) {
                        z += Math.exp(logits[o + c] - m);
                    }
                    for (int c = 0; c < CLASSES; c++) {
                        p[i][k][c] = Math.exp(logits[o + c] - m) / z;
                    }
                }
            }
            return p;
        }
    }

    private static double entropy(double[] p) {
        double h = 0;
        for (double v : p) {
            h -= v > 0 ? v * Math.log(v) : 0;
        }
        return h;
    }

    @Test
    void valuesEqualAnIndependentComputationFromTheParticlesProbabilities() {
        float[][] x = inputs(7, 1);
        double[][][] p = particleProbabilities(x);
        try (UncertaintyPredictor predictor =
                UncertaintyPredictor.of(ParticlePosterior.of(particles), new Shape(FEATURES))) {
            assertThat(predictor.getClassCount()).isEqualTo(CLASSES);
            assertThat(predictor.getParticleCount()).isEqualTo(PARTICLES);
            assertThat(predictor.getInputSize()).isEqualTo(FEATURES);
            List<Prediction> out = predictor.predict(x);
            assertThat(out).hasSize(7);
            double miSeen = 0;
            for (int k = 0; k < x.length; k++) {
                double[] mean = new double[CLASSES];
                double aleatoric = 0;
                for (int i = 0; i < PARTICLES; i++) {
                    for (int c = 0; c < CLASSES; c++) {
                        mean[c] += p[i][k][c] / PARTICLES;
                    }
                    aleatoric += entropy(p[i][k]) / PARTICLES;
                }
                int top = 0;
                for (int c = 1; c < CLASSES; c++) {
                    top = mean[c] > mean[top] ? c : top;
                }
                Prediction got = out.get(k);
                for (int c = 0; c < CLASSES; c++) {
                    assertThat(got.probability(c)).isCloseTo(mean[c], within(1e-6));
                }
                assertThat(got.predicted()).isEqualTo(top);
                assertThat(got.confidence()).isEqualTo(got.probability(top));
                assertThat(got.entropy()).isCloseTo(entropy(mean), within(1e-6));
                assertThat(got.aleatoric()).isCloseTo(aleatoric, within(1e-6));
                assertThat(got.mutualInformation())
                        .isCloseTo(entropy(mean) - aleatoric, within(1e-6));
                assertThat(got.entropy())
                        .isCloseTo(got.aleatoric() + got.mutualInformation(), within(1e-9));
                assertThat(java.util.Arrays.stream(got.probabilities()).sum())
                        .isCloseTo(1, within(1e-6));
                // the single-input call gives the same numbers
                Prediction single = predictor.predict(x[k]);
                assertThat(single.predicted()).isEqualTo(top);
                assertThat(single.entropy()).isCloseTo(got.entropy(), within(1e-6));
                miSeen = Math.max(miSeen, got.mutualInformation());
            }
            // the particles disagree, so the test exercises a non-zero epistemic part
            assertThat(miSeen).isGreaterThan(1e-3);
        }
    }

    /**
     * Two particles; particle 0 reads feature 0, particle 1 feature 1, both with logit weights
     * {@code (ln 3, 0)} and {@code (0, ln 3)}. Input (1, 1): logits {@code [ln 3, 0]} and {@code
     * [0, ln 3]}, p_1 = (3/4, 1/4), p_2 = (1/4, 3/4), p_bar = (1/2, 1/2); H = ln 2, aleatoric =
     * H(3/4, 1/4), MI = ln 2 - H(3/4, 1/4). Input (2, 0): logits {@code [2 ln 3, 0]} and {@code [0,
     * 0]}, p_1 = (9/10, 1/10), p_2 = (1/2, 1/2), p_bar = (7/10, 3/10), whereas the softmax of the
     * mean logits would be (3/4, 1/4).
     */
    @Test
    void handComputedTwoParticleModel() {
        try (NDManager m = NDManager.newBaseManager()) {
            SequentialBlock base = new SequentialBlock().add(Linear.builder().setUnits(2).build());
            base.setInitializer(new ConstantInitializer(0f), p -> true);
            base.initialize(m, DataType.FLOAT32, new Shape(1, 2));
            BellaConfig config =
                    BellaConfig.builder()
                            .optTargets("0")
                            .optParticles(2)
                            .optRank(1)
                            .optAlpha(1)
                            .build();
            try (ParticleBlock two = Bella.wrap(base, config)) {
                LowRankLinear layer = two.getLayers(LowRankLinear.class).get("0");
                float ln3 = (float) Math.log(3);
                // A: (n, d_in, r) = (2, 2, 1); B: (n, r, d_out) = (2, 1, 2).
                // particle 0 reads feature 0, particle 1 reads feature 1.
                layer.getA().getArray().set(new float[] {1, 0, 0, 1});
                layer.getB().getArray().set(new float[] {ln3, 0, 0, ln3});
                try (UncertaintyPredictor predictor =
                        UncertaintyPredictor.builder(ParticlePosterior.of(two), new Shape(2))
                                .optManager(m)
                                .build()) {
                    List<Prediction> out = predictor.predict(new float[][] {{1, 1}, {2, 0}});
                    double h34 = -(0.75 * Math.log(0.75) + 0.25 * Math.log(0.25));
                    Prediction a = out.get(0);
                    assertThat(a.probabilities()[0]).isCloseTo(0.5, within(1e-6));
                    assertThat(a.probabilities()[1]).isCloseTo(0.5, within(1e-6));
                    assertThat(a.entropy()).isCloseTo(Math.log(2), within(1e-6));
                    assertThat(a.aleatoric()).isCloseTo(h34, within(1e-6));
                    assertThat(a.mutualInformation()).isCloseTo(Math.log(2) - h34, within(1e-6));
                    assertThat(a.confidence()).isCloseTo(0.5, within(1e-6));

                    // input (2, 0): particle 0 logits [2 ln 3, 0] -> (9/10, 1/10);
                    // particle 1 logits [0, 0] -> (1/2, 1/2); p_bar = (7/10, 3/10).
                    Prediction b = out.get(1);
                    double h910 = -(0.9 * Math.log(0.9) + 0.1 * Math.log(0.1));
                    double h73 = -(0.7 * Math.log(0.7) + 0.3 * Math.log(0.3));
                    assertThat(b.probabilities()[0]).isCloseTo(0.7, within(1e-6));
                    assertThat(b.predicted()).isZero();
                    assertThat(b.confidence()).isCloseTo(0.7, within(1e-6));
                    assertThat(b.entropy()).isCloseTo(h73, within(1e-6));
                    assertThat(b.aleatoric()).isCloseTo((h910 + Math.log(2)) / 2, within(1e-6));
                    assertThat(b.mutualInformation())
                            .isCloseTo(h73 - (h910 + Math.log(2)) / 2, within(1e-6));
                }
            }
        }
    }

    @Test
    void eightThreadsGiveTheSingleThreadedAnswersAndLeaveNoArrayBehind() throws Exception {
        float[][] x = inputs(12, 2);
        try (NDManager parent = NDManager.newBaseManager();
                UncertaintyPredictor predictor =
                        UncertaintyPredictor.builder(
                                        ParticlePosterior.of(particles), new Shape(FEATURES))
                                .optManager(parent)
                                .optMaxBatch(5)
                                .build()) {
            List<Prediction> singles = new ArrayList<>();
            for (float[] row : x) {
                singles.add(predictor.predict(row));
            }
            List<Prediction> batched = predictor.predict(x);
            int parentArrays = parent.getManagedArrays().size();
            int modelArrays = manager.getManagedArrays().size();
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                List<Future<Integer>> results = new ArrayList<>();
                for (int t = 0; t < 8; t++) {
                    int thread = t;
                    results.add(
                            pool.submit(
                                    () -> {
                                        int mismatches = 0;
                                        for (int call = 0; call < 200; call++) {
                                            int k = (thread * 7 + call) % x.length;
                                            if (call % 10 == 9) {
                                                mismatches +=
                                                        predictor.predict(x).equals(batched)
                                                                ? 0
                                                                : 1;
                                            } else if (!predictor
                                                    .predict(x[k])
                                                    .equals(singles.get(k))) {
                                                mismatches++;
                                            }
                                        }
                                        return mismatches;
                                    }));
                }
                for (Future<Integer> f : results) {
                    assertThat(f.get(60, TimeUnit.SECONDS)).isZero();
                }
            } finally {
                pool.shutdownNow();
            }
            assertThat(parent.getManagedArrays()).hasSize(parentArrays);
            assertThat(manager.getManagedArrays()).hasSize(modelArrays);
        }
    }

    @Test
    void chunkingGivesTheSameNumbersAsOneForwardPass() {
        float[][] x = inputs(10, 3);
        try (UncertaintyPredictor whole =
                        UncertaintyPredictor.of(
                                ParticlePosterior.of(particles), new Shape(FEATURES));
                UncertaintyPredictor chunked =
                        UncertaintyPredictor.builder(
                                        ParticlePosterior.of(particles), new Shape(FEATURES))
                                .optMaxBatch(3)
                                .build()) {
            List<Prediction> a = whole.predict(x);
            List<Prediction> b = chunked.predict(x);
            for (int k = 0; k < x.length; k++) {
                assertThat(b.get(k).predicted()).isEqualTo(a.get(k).predicted());
                assertThat(b.get(k).entropy()).isCloseTo(a.get(k).entropy(), within(1e-6));
                assertThat(b.get(k).probabilities())
                        .containsExactly(a.get(k).probabilities(), within(1e-6));
            }
        }
    }

    @Test
    void badInputsAreNamedWithIndexAndValue() {
        try (UncertaintyPredictor predictor =
                UncertaintyPredictor.builder(ParticlePosterior.of(particles), new Shape(FEATURES))
                        .optInputRange(-10, 10)
                        .build()) {
            float[] ok = new float[FEATURES];
            float[] nan = ok.clone();
            nan[5] = Float.NaN;
            float[] inf = ok.clone();
            inf[15] = Float.NEGATIVE_INFINITY;
            float[] big = ok.clone();
            big[3] = 11f;
            assertThatThrownBy(() -> predictor.predict(new float[3]))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("input has 3 values, expected 16");
            assertThatThrownBy(() -> predictor.predict(nan))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("input[5] = NaN");
            assertThatThrownBy(() -> predictor.predict(new float[][] {ok, ok, inf}))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("batch[2][15] = -Infinity");
            assertThatThrownBy(() -> predictor.predict(new float[][] {ok, big}))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("batch[1][3] = 11.0 is outside the accepted range");
            assertThatThrownBy(() -> predictor.predict(new float[][] {ok, new float[17]}))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("batch[1] has 17 values, expected 16");
            assertThatThrownBy(() -> predictor.predict(new float[0][]))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("batch is empty");
            assertThatThrownBy(() -> predictor.predict(new float[][] {ok, null}))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("batch[1] is null");
            assertThatThrownBy(() -> predictor.predict((float[]) null))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("input is null");
            predictor.close();
            assertThatThrownBy(() -> predictor.predict(ok))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("closed");
        }
    }

    @Test
    void badConstructionIsNamed() {
        assertThatThrownBy(
                        () ->
                                UncertaintyPredictor.of(
                                        ParticlePosterior.of(particles), new Shape(15)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("does not accept inputs of shape (1, 15)");
        assertThatThrownBy(
                        () ->
                                UncertaintyPredictor.of(
                                        ParticlePosterior.of(particles), new Shape(-1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("inputShape");
        assertThatThrownBy(
                        () -> UncertaintyPredictor.of(ParticlePosterior.of(particles), new Shape()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("inputShape");
        assertThatThrownBy(
                        () ->
                                UncertaintyPredictor.builder(
                                                ParticlePosterior.of(particles),
                                                new Shape(FEATURES))
                                        .optMaxBatch(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxBatch should be a positive integer");
        assertThatThrownBy(
                        () ->
                                UncertaintyPredictor.builder(
                                                ParticlePosterior.of(particles),
                                                new Shape(FEATURES))
                                        .optInputRange(1, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("min <= max");
    }

    @Test
    void predictionIsImmutableAndValidated() {
        double[] p = {0.25, 0.75};
        Prediction a = new Prediction(p, 1, 0.75, 0.5, 0.4, 0.1);
        p[0] = 9;
        assertThat(a.probabilities()).containsExactly(0.25, 0.75);
        a.probabilities()[0] = 9;
        assertThat(a.probability(0)).isEqualTo(0.25);
        assertThat(a).isEqualTo(new Prediction(new double[] {0.25, 0.75}, 1, 0.75, 0.5, 0.4, 0.1));
        assertThatThrownBy(() -> new Prediction(new double[] {1}, 1, 1, 0, 0, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("predicted = 1 is outside [0, 1)");
    }
}
