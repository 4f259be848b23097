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
package dev.bella.tests.consumer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import dev.bella.core.Bella;
import dev.bella.core.BellaConfig;
import dev.bella.core.ParticleBlock;
import ai.djl.inference.Predictor;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import dev.bella.core.posterior.ParticlePosterior;
import dev.bella.core.posterior.Prediction;
import dev.bella.core.serve.ModelDirectory;
import dev.bella.core.serve.PosteriorTranslatorFactory;
import dev.bella.core.serve.UncertainClassifications;
import dev.bella.core.serve.UncertaintyPredictor;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a user does first: wrap a block, predict, save the adapters and load them back. */
class ConsumerTest {

    @TempDir Path dir;

    @Test
    void wrapPredictSaveAndLoad() throws Exception {
        assertEquals("PyTorch", Engine.getInstance().getEngineName());
        try (NDManager manager = NDManager.newBaseManager()) {
            manager.getEngine().setRandomSeed(1);
            SequentialBlock block =
                    new SequentialBlock()
                            .add(Linear.builder().setUnits(8).build())
                            .add(Activation::relu)
                            .add(Linear.builder().setUnits(3).build());
            block.initialize(manager, DataType.FLOAT32, new Shape(1, 4));
            BellaConfig config =
                    BellaConfig.builder().optTargets("0", "2").optParticles(3).optRank(2).build();
            NDArray x = manager.randomNormal(new Shape(5, 4));

            float[] before;
            try (ParticleBlock particles = Bella.wrap(block, config)) {
                NDArray out = particles.predict(new NDList(x)).singletonOrThrow();
                assertEquals(new Shape(3, 5, 3), out.getShape());
                before = out.toFloatArray();
                particles.saveAdapters(dir);
            }
            try (var files = Files.list(dir)) {
                assertTrue(files.findAny().isPresent(), "saveAdapters wrote nothing in " + dir);
            }
            try (ParticleBlock loaded = Bella.load(dir, block)) {
                float[] after = loaded.predict(new NDList(x)).singletonOrThrow().toFloatArray();
                assertArrayEquals(before, after, 0f);
            }
        }
    }

    private static SequentialBlock architecture() {
        return new SequentialBlock()
                .add(Linear.builder().setUnits(8).build())
                .add(Activation::relu)
                .add(Linear.builder().setUnits(3).build());
    }

    /** docs/djl.md: save a model directory, load it with Criteria, predict with uncertainty. */
    @Test
    void deployThroughDjlCriteria() throws Exception {
        Path model = dir.resolve("model");
        float[] x = {0.3f, -1.2f, 2.0f, 0.7f};
        Prediction want;
        try (NDManager manager = NDManager.newBaseManager()) {
            manager.getEngine().setRandomSeed(2);
            SequentialBlock base = architecture();
            base.initialize(manager, DataType.FLOAT32, new Shape(1, 4));
            BellaConfig config =
                    BellaConfig.builder()
                            .optTargets("0", "2")
                            .optParticles(3)
                            .optRank(2)
                            .optBInitStd(0.5)
                            .build();
            try (ParticlePosterior posterior = ParticlePosterior.of(Bella.wrap(base, config));
                    UncertaintyPredictor predictor =
                            UncertaintyPredictor.of(posterior, new Shape(4))) {
                want = predictor.predict(x);
                ModelDirectory.builder(base, posterior, new Shape(4)).save(model);
            }
        }
        Criteria<float[], UncertainClassifications> criteria =
                Criteria.builder()
                        .setTypes(float[].class, UncertainClassifications.class)
                        .optModelPath(model)
                        .optBlock(architecture())
                        .optTranslatorFactory(new PosteriorTranslatorFactory())
                        .build();
        try (ZooModel<float[], UncertainClassifications> zoo = criteria.loadModel();
                Predictor<float[], UncertainClassifications> predictor = zoo.newPredictor()) {
            UncertainClassifications got = predictor.predict(x);
            assertArrayEquals(want.probabilities(), got.getPrediction().probabilities(), 0);
            assertEquals(want.mutualInformation(), got.getMutualInformation(), 0);
            assertTrue(got.getMutualInformation() > 0, "distinct particles disagree");
            assertEquals(Integer.toString(want.predicted()), got.best().getClassName());
        }
    }
}
