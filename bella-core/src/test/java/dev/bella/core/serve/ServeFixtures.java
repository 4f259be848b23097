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

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.initializer.NormalInitializer;
import dev.bella.core.Bella;
import dev.bella.core.BellaConfig;
import dev.bella.core.ParticleBlock;
import java.util.SplittableRandom;

/** The small seeded model and inputs the serving tests share. */
final class ServeFixtures {

    private ServeFixtures() {}

    /**
     * Wraps a seeded MLP {@code features -> 32 -> classes} into distinct particles (B drawn with
     * std 0.5, so they disagree).
     */
    static ParticleBlock particles(NDManager manager, int features, int classes, int particles) {
        SequentialBlock base =
                new SequentialBlock()
                        .add(Linear.builder().setUnits(32).build())
                        .add(Activation::relu)
                        .add(Linear.builder().setUnits(classes).build());
        base.setInitializer(new NormalInitializer(0.5f), Parameter.Type.WEIGHT);
        base.setInitializer(new NormalInitializer(0.1f), Parameter.Type.BIAS);
        manager.getEngine().setRandomSeed(11);
        base.initialize(manager, DataType.FLOAT32, new Shape(1, features));
        return Bella.wrap(
                base,
                BellaConfig.builder()
                        .optTargets("0", "2")
                        .optParticles(particles)
                        .optBInitStd(0.5)
                        .optSeed(3)
                        .build());
    }

    /** {@code count} inputs of {@code features} values drawn from N(0, 4). */
    static float[][] inputs(int count, int features, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[][] x = new float[count][features];
        for (float[] row : x) {
            for (int j = 0; j < row.length; j++) {
                row[j] = (float) (rng.nextGaussian() * 2);
            }
        }
        return x;
    }
}
