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
package dev.bella.core.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.TrainingDivergedException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.dataset.ArrayDataset;
import dev.bella.core.Bella;
import dev.bella.core.BellaConfig;
import dev.bella.core.FullRankLinear;
import dev.bella.core.ParticleBlock;
import dev.bella.core.posterior.EpochStats;
import dev.bella.core.posterior.ParticlePosterior;
import dev.bella.core.testing.TrainingFixtures;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ParticleTrainerTest {

    private static final int FEATURES = TrainingFixtures.FEATURES;
    private static final UpdateRule OWN = TrainingFixtures.ownGradient("own");

    @TempDir Path dir;
    private NDManager manager;
    private SequentialBlock base;

    @BeforeEach
    void setUp() {
        manager = NDManager.newBaseManager();
        base = TrainingFixtures.classifier(manager);
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    private ArrayDataset blobs(int size, long seed) {
        return TrainingFixtures.blobs(manager, size, seed);
    }

    private ParticleBlock wrap(int particles) {
        return TrainingFixtures.wrap(base, particles);
    }

    private static List<float[]> adapters(ParticleBlock p) {
        return TrainingFixtures.adapters(p);
    }

    private static ParticleTrainer.Builder trainer() {
        return ParticleTrainer.builder().setUpdateRule(OWN);
    }

    private static void assertSameAdapters(ParticleBlock a, ParticleBlock b) {
        List<float[]> x = adapters(a);
        List<float[]> y = adapters(b);
        for (int i = 0; i < x.size(); i++) {
            assertThat(y.get(i)).as("adapter %d", i).containsExactly(x.get(i));
        }
    }

    @Test
    void theLoopLearnsTheTaskAndRecordsItsHistory() throws Exception {
        ArrayDataset train = blobs(240, 1);
        ArrayDataset val = blobs(90, 2);
        ParticleTrainer trainer = trainer().optEpochs(6).optLearningRate(0.02f).build();
        try (ParticlePosterior posterior = trainer.fit(wrap(4), train, val)) {
            List<EpochStats> h = posterior.getProvenance().history();
            assertThat(h).hasSize(6);
            assertThat(h.get(5).trainLoss()).isLessThan(h.get(0).trainLoss());
            assertThat(h.get(5).validationAccuracy()).isGreaterThan(0.85);
            assertThat(posterior.getProvenance().method()).isEqualTo("own");
            assertThat(posterior.getProvenance().trainExamples()).isEqualTo(240);
            // 240 examples in batches of 32: 8 steps per epoch.
            assertThat(h.get(5).steps()).isEqualTo(6 * 8);
            assertThat(h.get(5).diagnostics()).isEmpty();
        }
    }

    @Test
    void thePerExampleObjectiveIsTheDataSetOneDividedByN() throws Exception {
        // The first step's gradients under both scales, with a prior: N g_per_example must equal
        // g_data_set, term by term (N * mean loss + lambda/2 |theta|^2 vs mean loss +
        // lambda/(2N) |theta|^2).
        ArrayDataset train = blobs(48, 1);
        java.util.Map<Objective, List<float[]>> seen = new java.util.EnumMap<>(Objective.class);
        for (Objective o : Objective.values()) {
            List<float[]> grads = new ArrayList<>();
            UpdateRule capture =
                    new UpdateRule() {
                        @Override
                        public String name() {
                            return "capture";
                        }

                        @Override
                        public java.util.Map<String, String> settings() {
                            return java.util.Map.of();
                        }

                        @Override
                        public Update update(StepGradients step) {
                            step.gradients().values().forEach(g -> grads.add(g.toFloatArray()));
                            return new Update(step.gradients(), java.util.Map.of());
                        }
                    };
            try (ParticlePosterior p =
                    ParticleTrainer.builder()
                            .setUpdateRule(capture)
                            .optObjective(o)
                            .optPriorPrecision(0.5)
                            .optMaxSteps(1)
                            .build()
                            .fit(wrap(2), train, null)) {
                assertThat(p.getProvenance().settings())
                        .containsEntry("objective", o.name().toLowerCase(java.util.Locale.ROOT));
            }
            seen.put(o, grads);
        }
        List<float[]> data = seen.get(Objective.DATA_SET);
        List<float[]> perExample = seen.get(Objective.PER_EXAMPLE);
        assertThat(data).hasSameSizeAs(perExample).isNotEmpty();
        for (int t = 0; t < data.size(); t++) {
            for (int i = 0; i < data.get(t).length; i++) {
                double expected = data.get(t)[i];
                assertThat(48.0 * perExample.get(t)[i])
                        .as("tensor %d value %d", t, i)
                        .isCloseTo(expected, within(1e-4 * Math.max(1, Math.abs(expected))));
            }
        }
    }

    @Test
    void aTrainerNeedsAnUpdateRule() {
        assertThatThrownBy(() -> ParticleTrainer.builder().build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("setUpdateRule");
    }

    @Test
    void theRulesGradientsAreWhatTheOptimizerApplies() throws Exception {
        // A rule that returns zero gradients: with weight decay 0, nothing may move.
        UpdateRule frozen =
                new UpdateRule() {
                    @Override
                    public String name() {
                        return "zero";
                    }

                    @Override
                    public java.util.Map<String, String> settings() {
                        return java.util.Map.of("kind", "zero");
                    }

                    @Override
                    public Update update(StepGradients step) {
                        java.util.Map<String, NDArray> out = new java.util.LinkedHashMap<>();
                        step.gradients().forEach((k, g) -> out.put(k, g.zerosLike()));
                        return new Update(out, java.util.Map.of("calls", 1.0));
                    }
                };
        try (ParticleBlock model = wrap(2)) {
            List<float[]> before = adapters(model);
            ParticlePosterior p =
                    ParticleTrainer.builder()
                            .setUpdateRule(frozen)
                            .optWeightDecay(0)
                            .build()
                            .fit(model, blobs(64, 1), null);
            List<float[]> after = adapters(model);
            for (int i = 0; i < before.size(); i++) {
                assertThat(after.get(i)).containsExactly(before.get(i));
            }
            assertThat(p.getProvenance().settings()).containsEntry("kind", "zero");
            assertThat(p.getProvenance().history().get(0).diagnostic("calls")).isEqualTo(1.0);
        }
    }

    @Test
    void sameSeedGivesBitwiseIdenticalAdapters() throws Exception {
        ArrayDataset train = blobs(120, 1);
        ParticleTrainer trainer = trainer().optEpochs(2).optSeed(9).build();
        try (ParticlePosterior a = trainer.fit(wrap(3), train, null);
                ParticlePosterior b = trainer.fit(wrap(3), train, null);
                ParticlePosterior c =
                        trainer().optEpochs(2).optSeed(10).build().fit(wrap(3), train, null)) {
            assertSameAdapters(a.getParticles(), b.getParticles());
            assertThat(adapters(c.getParticles()).get(1))
                    .isNotEqualTo(adapters(a.getParticles()).get(1));
        }
    }

    @Test
    void resumingContinuesExactlyAsTheUninterruptedRun() throws Exception {
        ArrayDataset train = blobs(120, 1);
        Path ckpt = dir.resolve("ckpt");
        ParticleTrainer full = trainer().optEpochs(3).optLearningRate(0.01f).build();
        ParticleTrainer first =
                trainer().optEpochs(1).optLearningRate(0.01f).optCheckpointDir(ckpt).build();
        ParticleTrainer rest =
                trainer().optEpochs(3).optLearningRate(0.01f).optResumeFrom(ckpt).build();
        try (ParticlePosterior straight = full.fit(wrap(3), train, null);
                ParticleBlock resumed = wrap(3)) {
            first.fit(resumed, train, null);
            // The checkpoint says how its particles were made.
            try (ParticlePosterior fromCheckpoint = ParticlePosterior.load(ckpt, base)) {
                assertThat(fromCheckpoint.getProvenance().method()).isEqualTo("own");
                assertThat(fromCheckpoint.getProvenance().history()).hasSize(1);
                assertThat(fromCheckpoint.getProvenance().trainExamples()).isEqualTo(120);
            }
            ParticlePosterior after = rest.fit(resumed, train, null);
            assertThat(after.getProvenance().history()).hasSize(2);
            assertThat(after.getProvenance().history().get(0).epoch()).isEqualTo(1);
            assertSameAdapters(straight.getParticles(), resumed);
        }
    }

    @Test
    void perParticleDataOrderFeedsEachParticleItsOwnBatches() throws Exception {
        ArrayDataset train = blobs(60, 1);
        ParticleTrainer trainer = trainer().optPerParticleDataOrder(true).build();
        try (ParticleBlock shared = wrap(3);
                ParticleBlock own = wrap(3)) {
            trainer().build().fit(shared, train, null);
            ParticlePosterior p = trainer.fit(own, train, null);
            assertThat(p.getProvenance().history().get(0).trainAccuracy()).isBetween(0.0, 1.0);
            assertThat(adapters(own).get(1)).isNotEqualTo(adapters(shared).get(1));
        }
    }

    @Test
    void divergenceStopsWithTheParticleAndStepAndKeepsTheLastCheckpoint() throws Exception {
        ArrayDataset train = blobs(64, 1);
        Path ckpt = dir.resolve("ckpt");
        ParticleLoss nanAfterFirstEpoch =
                new ParticleLoss("nan") {
                    private int calls;

                    @Override
                    public NDArray perParticle(NDList labels, NDList predictions) {
                        NDArray l =
                                ParticleLoss.softmaxCrossEntropy().perParticle(labels, predictions);
                        // Each step calls the loss twice (the step, then the evaluator listener),
                        // so call 11 is step 5: epoch 2's second batch (2 steps per epoch).
                        if (++calls == 11) {
                            NDArray mask = l.getManager().create(new float[] {0, Float.NaN, 0});
                            return l.add(mask);
                        }
                        return l;
                    }
                };
        try (ParticleBlock model = wrap(3)) {
            ParticleTrainer trainer =
                    trainer()
                            .optLoss(nanAfterFirstEpoch)
                            .optEpochs(3)
                            .optCheckpointDir(ckpt)
                            .build();
            assertThatThrownBy(() -> trainer.fit(model, train, null))
                    .isInstanceOf(TrainingDivergedException.class)
                    .hasMessageContaining("particle 1")
                    .hasMessageContaining("step 5")
                    .hasMessageContaining(ckpt.toString());
            List<float[]> afterFailure = adapters(model);
            try (ParticleBlock fromCheckpoint = Bella.load(ckpt, base)) {
                assertThat(dev.bella.core.AdapterStore.readManifest(ckpt).metadata())
                        .containsEntry("epoch", "1");
                // The checkpoint holds the state after epoch 1; step 4 (epoch 2's first) succeeded
                // before step 5 failed, so the model has moved on from it.
                assertThat(adapters(fromCheckpoint).get(1)).isNotEqualTo(afterFailure.get(1));
            }
        }
    }

    @Test
    void badInputIsRejectedWithTheValue() throws Exception {
        assertThatThrownBy(() -> trainer().optLearningRate(-1).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-1");
        assertThatThrownBy(() -> trainer().optEpochs(0).build()).hasMessageContaining("epochs = 0");
        assertThatThrownBy(() -> trainer().optBatchSize(0).build())
                .hasMessageContaining("batchSize = 0");
        assertThatThrownBy(() -> trainer().optPriorPrecision(Double.NaN).build())
                .hasMessageContaining("NaN");
        ArrayDataset empty =
                new ArrayDataset.Builder()
                        .setData(manager.zeros(new Shape(0, FEATURES)))
                        .optLabels(manager.zeros(new Shape(0)))
                        .setSampling(4, false)
                        .build();
        try (ParticleBlock model = wrap(2)) {
            assertThatThrownBy(() -> trainer().build().fit(model, empty, null))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("empty");
        }
    }

    @Test
    void resumingIntoAnotherConfigurationIsRejected() throws Exception {
        ArrayDataset train = blobs(32, 1);
        Path ckpt = dir.resolve("ckpt");
        try (ParticleBlock model = wrap(3)) {
            trainer().optCheckpointDir(ckpt).build().fit(model, train, null);
        }
        try (ParticleBlock other = wrap(2)) {
            assertThatThrownBy(
                            () ->
                                    trainer()
                                            .optEpochs(2)
                                            .optResumeFrom(ckpt)
                                            .build()
                                            .fit(other, train, null))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("3 particles")
                    .hasMessageContaining("2 particles");
        }
        try (ParticleBlock model = wrap(3)) {
            assertThatThrownBy(
                            () ->
                                    ParticleTrainer.builder()
                                            .setUpdateRule(TrainingFixtures.ownGradient("other"))
                                            .optEpochs(2)
                                            .optResumeFrom(ckpt)
                                            .build()
                                            .fit(model, train, null))
                    .hasMessageContaining("'own'")
                    .hasMessageContaining("'other'");
        }
    }

    @Test
    void fullRankBaselinesTrainThroughTheSameTrainer() throws Exception {
        ArrayDataset train = blobs(240, 1);
        ArrayDataset val = blobs(90, 2);
        BellaConfig full =
                BellaConfig.builder()
                        .optFullRankTargets("0", "2")
                        .optParticles(3)
                        .optFullRankInitStd(0.01)
                        .build();
        {
            ParticleTrainer trainer = trainer().optEpochs(4).optLearningRate(0.01f).build();
            try (ParticlePosterior p = trainer.fit(Bella.wrap(base, full), train, val)) {
                List<EpochStats> h = p.getProvenance().history();
                assertThat(h.get(3).trainLoss()).isLessThan(h.get(0).trainLoss());
                assertThat(h.get(3).validationAccuracy()).isGreaterThan(0.85);
                // The copies moved apart from the shared starting point.
                NDArray w =
                        p.getParticles()
                                .getLayers(FullRankLinear.class)
                                .get("2")
                                .getWeights()
                                .getArray();
                assertThat(w.get(0).sub(w.get(1)).abs().max().getFloat()).isPositive();
            }
        }
    }

    @Test
    void trainingLeavesNoArraysBehindInTheModel() throws Exception {
        ArrayDataset train = blobs(64, 1);
        BellaConfig config =
                BellaConfig.builder()
                        .optTargets("0")
                        .optFullRankTargets("2")
                        .optParticles(3)
                        .optFullRankInitStd(0.01)
                        .build();
        for (int chunk : new int[] {0, 1}) {
            try (ParticleBlock model = Bella.wrap(base, config)) {
                assertNoLeak(
                        model,
                        trainer()
                                .optEpochs(2)
                                .optPriorPrecision(0.1)
                                .optParticleChunk(chunk)
                                .build(),
                        train);
            }
        }
    }

    private static void assertNoLeak(
            ParticleBlock model, ParticleTrainer trainer, ArrayDataset train) throws Exception {
        NDManager modelManager =
                model.getParticleParameters().values().iterator().next().getArray().getManager();
        trainer.fit(model, train, null);
        // Arrays the first fit created (e.g. gradient buffers) may stay; later fits add none.
        int afterFirst = modelManager.getManagedArrays().size();
        trainer.fit(model, train, null);
        trainer.fit(model, train, null);
        assertThat(modelManager.getManagedArrays())
                .as("arrays left in the model's manager after two more fits")
                .hasSize(afterFirst);
    }

    @Test
    void particleChunksGiveTheSameTrainingAsOnePass() throws Exception {
        ArrayDataset train = blobs(96, 1);
        BellaConfig config =
                BellaConfig.builder()
                        .optTargets("0")
                        .optFullRankTargets("2")
                        .optParticles(5)
                        .optRank(2)
                        .optBInitStd(0.01)
                        .optFullRankInitStd(0.01)
                        .optSeed(3)
                        .build();
        for (boolean perParticle : new boolean[] {false, true}) {
            ParticleTrainer.Builder b =
                    trainer()
                            .optEpochs(2)
                            .optLearningRate(0.01f)
                            .optPriorPrecision(0.1)
                            .optPerParticleDataOrder(perParticle);
            try (ParticlePosterior whole = b.build().fit(Bella.wrap(base, config), train, null);
                    ParticlePosterior pairs =
                            b.optParticleChunk(2)
                                    .build()
                                    .fit(Bella.wrap(base, config), train, null);
                    ParticlePosterior ones =
                            b.optParticleChunk(1)
                                    .build()
                                    .fit(Bella.wrap(base, config), train, null)) {
                List<float[]> expected = adapters(whole.getParticles());
                for (ParticlePosterior chunked : List.of(pairs, ones)) {
                    List<float[]> actual = adapters(chunked.getParticles());
                    for (int i = 0; i < expected.size(); i++) {
                        float[] e = expected.get(i);
                        float[] a = actual.get(i);
                        assertThat(a).hasSameSizeAs(e);
                        for (int j = 0; j < e.length; j++) {
                            assertThat(a[j])
                                    .as("perParticle %s, tensor %d, value %d", perParticle, i, j)
                                    .isCloseTo(e[j], org.assertj.core.data.Offset.offset(1e-4f));
                        }
                    }
                    EpochStats w = whole.getProvenance().history().get(1);
                    EpochStats c = chunked.getProvenance().history().get(1);
                    assertThat(c.trainLoss()).isCloseTo(w.trainLoss(), within(1e-4));
                    assertThat(c.trainAccuracy()).isEqualTo(w.trainAccuracy());
                }
                // Training moved the adapters, so the comparison above is not between two copies
                // of the initial values.
                try (ParticleBlock fresh = Bella.wrap(base, config)) {
                    assertThat(expected.get(1)).isNotEqualTo(adapters(fresh).get(1));
                }
            }
        }
        assertThatThrownBy(() -> trainer().optParticleChunk(-1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-1");
    }
}
