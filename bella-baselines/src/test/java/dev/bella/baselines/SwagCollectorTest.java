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

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import dev.bella.core.Bella;
import dev.bella.core.BellaConfig;
import dev.bella.core.FullRankLinear;
import dev.bella.core.ParticleBlock;
import dev.bella.core.Seeds;
import dev.bella.core.posterior.ParticlePosterior;
import dev.bella.core.train.ParticleTrainer;
import dev.bella.core.train.UpdateRule;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SWAG on plain gradient descent over a quadratic whose iterates are known in closed form. A {@code
 * Linear(2 -> 1)} without bias, weights \( w_0 = 0 \), the Gaussian loss \( 2 (f - y)^2 \) (\(
 * \sigma^2 = 1/4 \)) on the two examples \( x = (1, 0), y = 1 \) and \( x = (0, 1/2), y = -1 \),
 * averaged: \( L(w) = (w_1 - 1)^2 + (w_2/2 + 1)^2 \), Hessian \( \operatorname{diag}(2, 1/2) \),
 * minimum \( w^* = (1, -2) \). Full-batch SGD at rate \( \eta \) gives \( w_t = w^* (1 - q^t) \),
 * \( q = 1 - \eta h \) per coordinate; the collector's moments must be those of these iterates.
 */
class SwagCollectorTest {

    private static final double ETA = 0.05;
    private static final double[] W_STAR = {1, -2};
    private static final double[] H = {2, 0.5};

    @TempDir Path dir;

    private NDManager manager;
    private SequentialBlock base;
    private ArrayDataset data;

    @BeforeEach
    void setUp() {
        manager = NDManager.newBaseManager();
        base = new SequentialBlock().add(Linear.builder().setUnits(1).optBias(false).build());
        base.initialize(manager, DataType.FLOAT32, new Shape(1, 2));
        base.getParameters().get(0).getValue().getArray().set(new float[] {0, 0});
        data =
                new ArrayDataset.Builder()
                        .setData(manager.create(new float[] {1, 0, 0, 0.5f}, new Shape(2, 2)))
                        .optLabels(manager.create(new float[] {1, -1}, new Shape(2)))
                        .setSampling(2, false)
                        .build();
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    /** Plain gradient descent: the loss gradients handed on unchanged. */
    private static final UpdateRule SGD =
            new UpdateRule() {
                @Override
                public String name() {
                    return "sgd";
                }

                @Override
                public Map<String, String> settings() {
                    return Map.of();
                }

                @Override
                public Update update(StepGradients step) {
                    return new Update(step.gradients(), Map.of());
                }
            };

    private ParticleTrainer trainer(int steps, SwagCollector swag) {
        return ParticleTrainer.builder()
                .setUpdateRule(SGD)
                .optLoss(LinearRegression.gaussian())
                .clearEvaluators()
                .optPriorPrecision(0)
                .optOptimizer(
                        () ->
                                Optimizer.sgd()
                                        .setLearningRateTracker(Tracker.fixed((float) ETA))
                                        .optWeightDecays(0)
                                        .build())
                .optBatchSize(2)
                .optEpochs(steps)
                .addTrainingListener(() -> swag)
                .build();
    }

    /** \( w_t \), coordinate {@code i}, in closed form. */
    private static double iterate(int i, int t) {
        return W_STAR[i] * (1 - Math.pow(1 - ETA * H[i], t));
    }

    @Test
    void momentsAreThoseOfTheClosedFormIterates() throws Exception {
        int start = 10;
        int interval = 2;
        int steps = 20;
        int[] kept = {12, 14, 16, 18, 20};
        try (ParticleBlock model =
                Bella.wrap(
                        base,
                        BellaConfig.builder().optFullRankTargets("0").optParticles(1).build())) {
            assertThat(model.getParticleCount()).isEqualTo(1);
            SwagCollector swag = new SwagCollector(model, start, interval, 3);
            ParticlePosterior fit = trainer(steps, swag).fit(model, data, null);
            assertThat(swag.getSnapshotCount()).isEqualTo(kept.length);
            SwagMoments m = swag.getMoments(0);
            for (int i = 0; i < 2; i++) {
                double mean = 0;
                double sq = 0;
                for (int t : kept) {
                    mean += iterate(i, t) / kept.length;
                }
                for (int t : kept) {
                    sq += Math.pow(iterate(i, t) - mean, 2) / kept.length;
                }
                assertThat(m.mean()[i]).as("mean %s", i).isCloseTo(mean, within(1e-5));
                assertThat(m.variance()[i]).as("variance %s", i).isCloseTo(sq, within(1e-3 * sq));
                // the last 3 deviations, each from the running mean including its iterate
                double[][] d = m.deviations();
                for (int j = 0; j < 3; j++) {
                    int upTo = kept.length - 3 + j;
                    double running = 0;
                    for (int k = 0; k <= upTo; k++) {
                        running += iterate(i, kept[k]) / (upTo + 1);
                    }
                    assertThat(d[j][i])
                            .as("D[%s][%s]", i, j)
                            .isCloseTo(iterate(i, kept[upTo]) - running, within(1e-5));
                }
            }
            assertThat(swag.getStoredValues()).isEqualTo((3 + 2) * 2);

            // The drawn posterior: 4 samples, each SwagMoments.sample on stream (seed, 0).
            try (ParticlePosterior drawn = swag.toPosterior(4, 9, fit.getProvenance())) {
                assertThat(drawn.getSampleCount()).isEqualTo(4);
                assertThat(drawn.getProvenance().method()).isEqualTo("swag");
                assertThat(drawn.getProvenance().settings())
                        .containsEntry("trained_by", "sgd")
                        .containsEntry("swag_rank", "3")
                        .containsEntry("swag_snapshots", "5")
                        .containsEntry("swag_stored_values", "10");
                float[] w = weights(drawn);
                SplittableRandom rng = Seeds.stream(9, 0);
                for (int s = 0; s < 4; s++) {
                    double[] expected = m.sample(rng);
                    assertThat(w[2 * s]).isEqualTo((float) expected[0]);
                    assertThat(w[2 * s + 1]).isEqualTo((float) expected[1]);
                }
                assertThat(w[0]).isNotEqualTo(w[2]);
                // saves and loads like the particles
                drawn.save(dir.resolve("swag"));
                try (ParticlePosterior loaded = ParticlePosterior.load(dir.resolve("swag"), base)) {
                    assertThat(loaded.getSampleCount()).isEqualTo(4);
                    assertThat(loaded.getProvenance().method()).isEqualTo("swag");
                    assertThat(weights(loaded)).containsExactly(w);
                }
            }
        }
    }

    @Test
    void multipleParticlesKeepTheirOwnMomentsAndDrawSampleMajor() throws Exception {
        try (ParticleBlock model =
                Bella.wrap(
                        base,
                        BellaConfig.builder()
                                .optFullRankTargets("0")
                                .optParticles(2)
                                .optFullRankInitStd(0.5)
                                .build())) {
            float[] w0 =
                    model.getLayers(FullRankLinear.class)
                            .get("0")
                            .getWeights()
                            .getArray()
                            .toFloatArray();
            assertThat(w0[0]).isNotEqualTo(w0[2]);
            SwagCollector swag = new SwagCollector(model, 0, 1, 2);
            ParticlePosterior fit = trainer(3, swag).fit(model, data, null);
            // each particle from its own start: w_t = w* + q^t (w_0 - w*)
            for (int p = 0; p < 2; p++) {
                double mean = 0;
                for (int t = 1; t <= 3; t++) {
                    mean += (W_STAR[0] + Math.pow(1 - ETA * H[0], t) * (w0[2 * p] - W_STAR[0])) / 3;
                }
                assertThat(swag.getMoments(p).mean()[0])
                        .as("particle %s", p)
                        .isCloseTo(mean, within(1e-5));
            }
            try (ParticlePosterior drawn = swag.toPosterior(3, 1, fit.getProvenance())) {
                assertThat(drawn.getSampleCount()).isEqualTo(6);
                float[] w = weights(drawn);
                for (int p = 0; p < 2; p++) {
                    SplittableRandom rng = Seeds.stream(1, p);
                    for (int s = 0; s < 3; s++) {
                        double[] expected = swag.getMoments(p).sample(rng);
                        assertThat(w[2 * (s * 2 + p)]).isEqualTo((float) expected[0]);
                    }
                }
            }
            assertThat(swag.getStoredValues()).isEqualTo(4L * 2 * 2);
        }
    }

    @Test
    void tooFewSnapshotsAndBadSettingsAreRejected() throws Exception {
        assertThatThrownBy(() -> new SwagCollector(null, -1, 1, 3))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("start = -1");
        assertThatThrownBy(() -> new SwagCollector(null, 0, 0, 3))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("interval = 0");
        assertThatThrownBy(() -> new SwagCollector(null, 0, 1, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("rank = 1");
        try (ParticleBlock model =
                Bella.wrap(
                        base,
                        BellaConfig.builder().optFullRankTargets("0").optParticles(1).build())) {
            SwagCollector swag = new SwagCollector(model, 2, 1, 3);
            ParticlePosterior fit = trainer(3, swag).fit(model, data, null);
            assertThat(swag.getSnapshotCount()).isEqualTo(1);
            assertThatThrownBy(() -> swag.toPosterior(2, 0, fit.getProvenance()))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("SWAG kept 1 snapshots, needs 2")
                    .hasMessageContaining("ran 3 steps");
            assertThatThrownBy(() -> swag.toPosterior(0, 0, fit.getProvenance()))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("samples = 0");
        }
    }

    private static float[] weights(ParticlePosterior p) {
        return p.getParticles()
                .getLayers(FullRankLinear.class)
                .get("0")
                .getWeights()
                .getArray()
                .toFloatArray();
    }
}
