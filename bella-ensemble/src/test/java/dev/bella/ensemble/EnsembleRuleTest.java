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
package dev.bella.ensemble;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.dataset.ArrayDataset;
import dev.bella.core.ParticleBlock;
import dev.bella.core.posterior.ParticlePosterior;
import dev.bella.core.testing.TrainingFixtures;
import dev.bella.core.train.ParticleTrainer;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class EnsembleRuleTest {

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

    @Test
    void ensembleBellaLearnsTheTaskWithItsOwnDataOrders() throws Exception {
        ArrayDataset train = TrainingFixtures.blobs(manager, 240, 1);
        ArrayDataset val = TrainingFixtures.blobs(manager, 90, 2);
        try (ParticlePosterior p =
                EnsembleBella.trainer()
                        .optEpochs(6)
                        .optLearningRate(0.02f)
                        .build()
                        .fit(TrainingFixtures.wrap(base, 4), train, val)) {
            assertThat(p.getProvenance().method()).isEqualTo("ensemble");
            assertThat(p.getProvenance().settings())
                    .containsEntry("per_particle_data_order", "true");
            assertThat(p.getProvenance().history().get(5).validationAccuracy()).isGreaterThan(0.85);
            assertThat(p.getProvenance().history().get(5).diagnostics()).isEmpty();
        }
    }

    @Test
    void theEnsembleRuleIsTheOwnGradient() throws Exception {
        ArrayDataset train = TrainingFixtures.blobs(manager, 60, 1);
        ParticleTrainer own =
                ParticleTrainer.builder()
                        .setUpdateRule(TrainingFixtures.ownGradient("own"))
                        .build();
        try (ParticlePosterior a =
                        EnsembleRule.trainer()
                                .build()
                                .fit(TrainingFixtures.wrap(base, 3), train, null);
                ParticlePosterior b = own.fit(TrainingFixtures.wrap(base, 3), train, null)) {
            List<float[]> x = TrainingFixtures.adapters(a.getParticles());
            List<float[]> y = TrainingFixtures.adapters(b.getParticles());
            for (int i = 0; i < x.size(); i++) {
                assertThat(y.get(i)).as("adapter %d", i).containsExactly(x.get(i));
            }
            try (ParticleBlock fresh = TrainingFixtures.wrap(base, 3)) {
                assertThat(x.get(1)).isNotEqualTo(TrainingFixtures.adapters(fresh).get(1));
            }
        }
    }
}
