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
}
