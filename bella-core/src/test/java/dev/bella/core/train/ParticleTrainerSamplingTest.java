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

import ai.djl.ndarray.NDManager;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.dataset.BatchSampler;
import ai.djl.training.dataset.RandomAccessDataset;
import ai.djl.training.dataset.Sampler;
import ai.djl.training.dataset.SequenceSampler;
import ai.djl.training.listener.TrainingListener;
import ai.djl.training.listener.TrainingListenerAdapter;
import dev.bella.core.ParticleBlock;
import dev.bella.core.posterior.ParticlePosterior;
import dev.bella.core.testing.TrainingFixtures;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The trainer honours a dataset's own sampler where it can (its batch size) and refuses it where it
 * cannot, instead of silently drawing its own batches of another size.
 */
class ParticleTrainerSamplingTest {

    private static final UpdateRule OWN = TrainingFixtures.ownGradient("own");

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

    private static ParticleTrainer.Builder trainer() {
        return ParticleTrainer.builder().setUpdateRule(OWN);
    }

    private ParticleBlock wrap() {
        return TrainingFixtures.wrap(base, 2);
    }

    private ArrayDataset sampled(int size, Sampler sampler) {
        return TrainingFixtures.blobs(manager, size, 1, sampler);
    }

    @Test
    void withoutOptBatchSizeTheDatasetsBatchSizeIsUsed() throws Exception {
        RandomAccessDataset train = TrainingFixtures.blobs(manager, 64, 1, 16);
        try (ParticlePosterior p = trainer().build().fit(wrap(), train, null)) {
            assertThat(p.getProvenance().history().get(0).steps()).isEqualTo(4);
            assertThat(p.getProvenance().settings()).containsEntry("batch_size", "16");
        }
        RandomAccessDataset wide = TrainingFixtures.blobs(manager, 64, 1, 64);
        try (ParticlePosterior p = trainer().build().fit(wrap(), wide, null)) {
            assertThat(p.getProvenance().history().get(0).steps()).isEqualTo(1);
        }
    }

    @Test
    void aMatchingOptBatchSizeIsAccepted() throws Exception {
        ParticleTrainer trainer = trainer().optBatchSize(16).build();
        assertThat(trainer.getBatchSize()).hasValue(16);
        assertThat(trainer().build().getBatchSize()).isEmpty();
        try (ParticlePosterior p =
                trainer.fit(wrap(), TrainingFixtures.blobs(manager, 48, 1, 16), null)) {
            assertThat(p.getProvenance().history().get(0).steps()).isEqualTo(3);
        }
    }

    @Test
    void aDifferentOptBatchSizeIsRefusedNamingBoth() {
        ParticleTrainer trainer = trainer().optBatchSize(8).build();
        RandomAccessDataset train = TrainingFixtures.blobs(manager, 64, 1, 16);
        try (ParticleBlock model = wrap()) {
            assertThatThrownBy(() -> trainer.fit(model, train, null))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("training dataset is sampled in batches of 16")
                    .hasMessageContaining("optBatchSize(8)")
                    .hasMessageContaining("drop optBatchSize")
                    .hasMessageContaining("setSampling(8, false)");
        }
    }

    @Test
    void aCustomSamplerIsRefused() {
        Sampler custom =
                new Sampler() {
                    @Override
                    public Iterator<List<Long>> sample(RandomAccessDataset dataset) {
                        return List.of(List.of(0L, 1L)).iterator();
                    }

                    @Override
                    public int getBatchSize() {
                        return 2;
                    }
                };
        RandomAccessDataset train = sampled(12, custom);
        try (ParticleBlock model = wrap()) {
            assertThatThrownBy(() -> trainer().build().fit(model, train, null))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("training dataset was built with a custom sampler")
                    .hasMessageContaining("seeded, resumable batches")
                    .hasMessageContaining("setSampling(batchSize, false)");
            RandomAccessDataset validation = sampled(12, custom);
            assertThatThrownBy(
                            () ->
                                    trainer()
                                            .build()
                                            .fit(
                                                    model,
                                                    TrainingFixtures.blobs(manager, 12, 1),
                                                    validation))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("validation dataset was built with a custom sampler");
        }
    }

    @Test
    void aSamplerThatDropsTheLastBatchIsRefused() {
        RandomAccessDataset train = sampled(20, new BatchSampler(new SequenceSampler(), 8, true));
        try (ParticleBlock model = wrap()) {
            assertThatThrownBy(() -> trainer().build().fit(model, train, null))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("drops its last incomplete batch");
        }
    }

    @Test
    void theOrderIsTheTrainersWhateverTheRandomFlag() throws Exception {
        RandomAccessDataset sequential = TrainingFixtures.blobs(manager, 48, 1, 16);
        RandomAccessDataset random =
                sampled(48, new BatchSampler(new ai.djl.training.dataset.RandomSampler(), 16));
        ParticleTrainer trainer = trainer().optEpochs(2).optSeed(5).build();
        try (ParticlePosterior a = trainer.fit(wrap(), sequential, null);
                ParticlePosterior b = trainer.fit(wrap(), random, null)) {
            List<float[]> x = TrainingFixtures.adapters(a.getParticles());
            List<float[]> y = TrainingFixtures.adapters(b.getParticles());
            assertThat(y).hasSameSizeAs(x);
            for (int i = 0; i < x.size(); i++) {
                assertThat(y.get(i)).containsExactly(x.get(i));
            }
        }
    }

    @Test
    void validationRunsInTheValidationDatasetsBatches() throws Exception {
        AtomicInteger batches = new AtomicInteger();
        TrainingListener counter =
                new TrainingListenerAdapter() {
                    @Override
                    public void onValidationBatch(Trainer trainer, BatchData batchData) {
                        batches.incrementAndGet();
                    }
                };
        // optBatchSize is the training batch size; validation keeps its own.
        ParticleTrainer trainer =
                trainer().optBatchSize(16).addTrainingListener(() -> counter).build();
        try (ParticlePosterior p =
                trainer.fit(
                        wrap(),
                        TrainingFixtures.blobs(manager, 48, 1, 16),
                        TrainingFixtures.blobs(manager, 90, 2, 45))) {
            assertThat(p.getProvenance().history()).hasSize(1);
            assertThat(batches).hasValue(2);
        }
    }
}
