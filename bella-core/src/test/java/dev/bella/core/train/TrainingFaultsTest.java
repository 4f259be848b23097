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
import static org.assertj.core.api.Assertions.catchThrowable;

import ai.djl.TrainingDivergedException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.dataset.ArrayDataset;
import dev.bella.core.Bella;
import dev.bella.core.ParticleBlock;
import dev.bella.core.testing.TrainingFixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Training faults of issue 10: bad labels and exploding learning rates. */
class TrainingFaultsTest {

    private static final int CLASSES = TrainingFixtures.CLASSES;
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

    /** A dataset of {@code labels.length} examples with these labels, in batches of 8. */
    private ArrayDataset withLabels(float[] labels) {
        int size = labels.length;
        float[] features = new float[size * TrainingFixtures.FEATURES];
        for (int i = 0; i < features.length; i++) {
            features[i] = (i % 7) / 7f;
        }
        return new ArrayDataset.Builder()
                .setData(manager.create(features, new Shape(size, TrainingFixtures.FEATURES)))
                .optLabels(manager.create(labels, new Shape(size)))
                .setSampling(8, false)
                .build();
    }

    private ArrayDataset withLabels(int size, float label) {
        float[] y = new float[size];
        java.util.Arrays.fill(y, label);
        return withLabels(y);
    }

    @ParameterizedTest
    @ValueSource(floats = {7f, 3f, -1f, Float.NaN, Float.POSITIVE_INFINITY, 1.5f})
    void aBadLabelIsRefusedNamingTheExampleTheStepAndTheRange(float label) {
        ParticleTrainer trainer =
                ParticleTrainer.builder().setUpdateRule(OWN).optBatchSize(8).build();
        ParticleBlock model = TrainingFixtures.wrap(base, 2);
        assertThatThrownBy(() -> trainer.fit(model, withLabels(32, label), null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("example 0 of the batch")
                .hasMessageContaining("step 0")
                .hasMessageContaining("[0, " + CLASSES + ")")
                .hasMessageContaining(Float.toString(label));
        model.close();
    }

    @Test
    void aBadLabelLaterInTheDataNamesItsStep() {
        // 32 examples, batches of 8 in a seeded order: exactly one bad label somewhere.
        float[] y = new float[32];
        for (int i = 0; i < 32; i++) {
            y[i] = i % CLASSES;
        }
        y[29] = 1.5f;
        ArrayDataset data = withLabels(y);
        ParticleTrainer trainer =
                ParticleTrainer.builder().setUpdateRule(OWN).optBatchSize(8).build();
        ParticleBlock model = TrainingFixtures.wrap(base, 2);
        assertThatThrownBy(() -> trainer.fit(model, data, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("1.5")
                .hasMessageMatching(
                        "training step [0-3] \\(epoch 0\\): the label of example \\d of the batch is 1.5, which is not an integer.*\\[0, 3\\).*");
        model.close();
    }

    @ParameterizedTest
    @ValueSource(floats = {1e3f, 1e6f})
    void anExplodingLearningRateStopsBeforeTheCheckpointHoldsAbsurdValues(float lr)
            throws Exception {
        // One good epoch writes a checkpoint; resuming it with an exploding rate must stop with a
        // TrainingDivergedException naming particle, step and that checkpoint, and leave it as is.
        Path ckpt = dir.resolve("ckpt");
        ParticleBlock model = TrainingFixtures.wrap(base, 3);
        ArrayDataset data = TrainingFixtures.blobs(manager, 96, 1);
        ParticleTrainer.builder()
                .setUpdateRule(OWN)
                .optLearningRate(0.01f)
                .optCheckpointDir(ckpt)
                .build()
                .fit(model, data, null);
        double good = maxAbsInCheckpoint(ckpt);
        byte[] manifest = Files.readAllBytes(ckpt.resolve(dev.bella.core.AdapterStore.MANIFEST));
        ParticleTrainer trainer =
                ParticleTrainer.builder()
                        .setUpdateRule(OWN)
                        .optLearningRate(lr)
                        // AdamW's decoupled decay at this rate multiplies the values by
                        // (1 - lr * 0.01) each step: the explosion under test.
                        .optWeightDecay(0.01f)
                        .optEpochs(4)
                        .optCheckpointDir(ckpt)
                        .optResumeFrom(ckpt)
                        .build();
        Throwable thrown = catchThrowable(() -> trainer.fit(model, data, null));
        System.out.printf("lr %g: %s%n", lr, thrown);
        assertThat(thrown)
                .isInstanceOf(TrainingDivergedException.class)
                .hasMessageMatching(
                        "after the optimizer step, particle \\d's \\d\\.lora_[AB] would hold a"
                                + " value of magnitude .* above the divergence bound .* at step"
                                + " \\d+; the update was not applied and the last good checkpoint"
                                + " is .*ckpt \\(epoch 0, step 3, the one this fit resumed"
                                + " from\\).*");
        assertThat(Files.readAllBytes(ckpt.resolve(dev.bella.core.AdapterStore.MANIFEST)))
                .isEqualTo(manifest);
        assertThat(maxAbsInCheckpoint(ckpt)).isEqualTo(good).isLessThan(10);
        // The particles are left as they were before the refused step.
        double inMemory = 0;
        for (float[] a : TrainingFixtures.adapters(model)) {
            for (float v : a) {
                inMemory = Math.max(inMemory, Math.abs(v));
            }
        }
        assertThat(inMemory).isLessThan(ParticleTrainer.DEFAULT_DIVERGENCE_FACTOR * 10);
        model.close();
    }

    @Test
    void withoutACheckpointTheMessageSaysThereIsNone() {
        ParticleTrainer trainer =
                ParticleTrainer.builder().setUpdateRule(OWN).optLearningRate(1e6f).build();
        ParticleBlock model = TrainingFixtures.wrap(base, 2);
        assertThatThrownBy(() -> trainer.fit(model, TrainingFixtures.blobs(manager, 48, 1), null))
                .isInstanceOf(TrainingDivergedException.class)
                .hasMessageContaining("particle ")
                .hasMessageContaining("at step 0")
                .hasMessageContaining("no checkpoint directory was set");
        model.close();
    }

    @Test
    void withTheBoundOffAFiniteButExplodedStateReachesTheCheckpoint() throws Exception {
        Path ckpt = dir.resolve("off");
        ParticleTrainer trainer =
                ParticleTrainer.builder()
                        .setUpdateRule(OWN)
                        .optLearningRate(1e3f)
                        // AdamW's decoupled decay at this rate multiplies the values by
                        // (1 - lr * 0.01) each step: the explosion under test.
                        .optWeightDecay(0.01f)
                        .optEpochs(2)
                        .optDivergenceFactor(Double.POSITIVE_INFINITY)
                        .optCheckpointDir(ckpt)
                        .build();
        ParticleBlock model = TrainingFixtures.wrap(base, 2);
        Throwable thrown =
                catchThrowable(
                        () -> trainer.fit(model, TrainingFixtures.blobs(manager, 96, 1), null));
        // What the default bound prevents: the issue's checkpoint of absurd values (6.5e7).
        double max = maxAbsInCheckpoint(ckpt);
        System.out.printf("bound off, lr 1e3: %s; checkpoint max |adapter| = %g%n", thrown, max);
        assertThat(thrown).isNull();
        assertThat(max).isFinite().isGreaterThan(1e6);
        assertThatThrownBy(() -> ParticleTrainer.builder().optDivergenceFactor(1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("factor = 1.0");
        assertThatThrownBy(() -> ParticleTrainer.builder().optDivergenceFactor(Double.NaN))
                .isInstanceOf(IllegalArgumentException.class);
        model.close();
    }

    @Test
    void aNaNDirectionFromTheRuleIsRefusedBeforeTheUpdate() {
        UpdateRule nan =
                new UpdateRule() {
                    @Override
                    public String name() {
                        return "nan";
                    }

                    @Override
                    public java.util.Map<String, String> settings() {
                        return java.util.Map.of();
                    }

                    @Override
                    public Update update(StepGradients step) {
                        java.util.Map<String, NDArray> out = new java.util.LinkedHashMap<>();
                        step.gradients()
                                .forEach(
                                        (k, g) -> {
                                            NDArray d = g.duplicate();
                                            if (k.endsWith("lora_B") && step.step() == 2) {
                                                d.set(
                                                        new ai.djl.ndarray.index.NDIndex("1"),
                                                        Float.NaN);
                                            }
                                            out.put(k, d);
                                        });
                        return new Update(out, java.util.Map.of());
                    }
                };
        ParticleBlock model = TrainingFixtures.wrap(base, 2);
        ParticleTrainer trainer = ParticleTrainer.builder().setUpdateRule(nan).build();
        java.util.List<float[]> before = new java.util.ArrayList<>();
        assertThatThrownBy(() -> trainer.fit(model, TrainingFixtures.blobs(manager, 96, 1), null))
                .isInstanceOf(TrainingDivergedException.class)
                .hasMessageContaining(
                        "the update rule 'nan' gave particle 1 a NaN or infinite direction for 0.lora_B at step 2");
        for (float[] a : TrainingFixtures.adapters(model)) {
            for (float v : a) {
                assertThat(v).isFinite();
            }
        }
        assertThat(before).isEmpty();
        model.close();
    }

    private double maxAbsInCheckpoint(Path ckpt) {
        try (NDManager m = NDManager.newBaseManager()) {
            SequentialBlock b = TrainingFixtures.classifier(m);
            try (ParticleBlock p = Bella.load(ckpt, b)) {
                double max = 0;
                for (float[] a : TrainingFixtures.adapters(p)) {
                    for (float v : a) {
                        max = Math.max(max, Math.abs(v));
                    }
                }
                return max;
            }
        } catch (java.io.IOException e) {
            return Double.NaN; // no checkpoint
        }
    }
}
