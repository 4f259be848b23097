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
package dev.bella.svgd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import ai.djl.TrainingDivergedException;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.dataset.ArrayDataset;
import dev.bella.core.ParticleBlock;
import dev.bella.core.testing.TrainingFixtures;
import dev.bella.core.train.ParticleTrainer;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Issue 10: SVGD with an exploding learning rate stops with the documented exception. */
class SvgdTrainingFaultsTest {

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

    @ParameterizedTest
    @CsvSource({"1e3, false", "1e6, false", "1e3, true", "1e6, true"})
    void anExplodingLearningRateIsATrainingDivergedException(float lr, boolean boundOff)
            throws Exception {
        Path ckpt = dir.resolve("ckpt");
        ArrayDataset data = TrainingFixtures.blobs(manager, 96, 1);
        ParticleBlock model = TrainingFixtures.wrap(base, 3);
        SvgdRule.trainer()
                .optLearningRate(0.01f)
                .optCheckpointDir(ckpt)
                .build()
                .fit(model, data, null);
        ParticleTrainer.Builder b =
                SvgdRule.trainer()
                        .optLearningRate(lr)
                        // AdamW's decoupled decay at this rate multiplies the values by
                        // (1 - lr * 0.01) each step: the explosion under test.
                        .optWeightDecay(0.01f)
                        .optEpochs(30)
                        .optCheckpointDir(ckpt)
                        .optResumeFrom(ckpt);
        if (boundOff) {
            b.optDivergenceFactor(Double.POSITIVE_INFINITY);
        }
        Throwable thrown = catchThrowable(() -> b.build().fit(model, data, null));
        System.out.printf("svgd lr %g, bound off %s: %s%n", lr, boundOff, thrown);
        assertThat(thrown)
                .isInstanceOf(TrainingDivergedException.class)
                .hasMessageContaining("particle ")
                .hasMessageContaining(" step ")
                .hasMessageContaining("the last good checkpoint is " + ckpt);
        model.close();
    }
}
