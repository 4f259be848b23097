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
package dev.bella.core.testing;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.dataset.BatchSampler;
import ai.djl.training.dataset.Sampler;
import ai.djl.training.dataset.SequenceSampler;
import ai.djl.training.initializer.NormalInitializer;
import dev.bella.core.Bella;
import dev.bella.core.BellaConfig;
import dev.bella.core.ParticleBlock;
import dev.bella.core.train.UpdateRule;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Shared fixtures of the training tests of bella-core, bella-svgd and bella-ensemble (published in
 * bella-core's test jar): a small classifier, Gaussian blobs drawn from a seed, and a plain
 * own-gradient update rule.
 */
public final class TrainingFixtures {

    /** Input features of {@link #classifier}. */
    public static final int FEATURES = 8;

    /** Classes of {@link #classifier} and {@link #blobs}. */
    public static final int CLASSES = 3;

    private TrainingFixtures() {}

    /**
     * An initialised 8 -> 16 -> tanh -> 3 classifier (layers "0" and "2"), seeded.
     *
     * @param manager the manager of its weights
     * @return the block
     */
    public static SequentialBlock classifier(NDManager manager) {
        SequentialBlock base =
                new SequentialBlock()
                        .add(Linear.builder().setUnits(16).build())
                        .add(Activation::tanh)
                        .add(Linear.builder().setUnits(CLASSES).build());
        base.setInitializer(new NormalInitializer(0.3f), p -> true);
        manager.getEngine().setRandomSeed(1);
        base.initialize(manager, DataType.FLOAT32, new Shape(1, FEATURES));
        return base;
    }

    /**
     * Three Gaussian blobs in 8-D, drawn in Java from a seed, sampled in batches of 32 (the batch
     * size a trainer without {@code optBatchSize} then trains in).
     *
     * @param manager the manager of the arrays
     * @param size the number of examples
     * @param seed the seed
     * @return the dataset, sampled in batches of 32
     */
    public static ArrayDataset blobs(NDManager manager, int size, long seed) {
        return blobs(manager, size, seed, 32);
    }

    /**
     * Three Gaussian blobs in 8-D, drawn in Java from a seed.
     *
     * @param manager the manager of the arrays
     * @param size the number of examples
     * @param seed the seed
     * @param batchSize the dataset's batch size ({@code setSampling(batchSize, false)})
     * @return the dataset
     */
    public static ArrayDataset blobs(NDManager manager, int size, long seed, int batchSize) {
        return blobs(manager, size, seed, new BatchSampler(new SequenceSampler(), batchSize));
    }

    /**
     * Three Gaussian blobs in 8-D, drawn in Java from a seed.
     *
     * @param manager the manager of the arrays
     * @param size the number of examples
     * @param seed the seed
     * @param sampler the dataset's sampler ({@code setSampling(sampler)})
     * @return the dataset
     */
    public static ArrayDataset blobs(NDManager manager, int size, long seed, Sampler sampler) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] x = new float[size * FEATURES];
        float[] y = new float[size];
        for (int i = 0; i < size; i++) {
            int c = i % CLASSES;
            y[i] = c;
            for (int f = 0; f < FEATURES; f++) {
                double center = (f % CLASSES == c) ? 1.5 : -0.5;
                x[i * FEATURES + f] = (float) (center + rng.nextGaussian() * 0.8);
            }
        }
        return new ArrayDataset.Builder()
                .setData(manager.create(x, new Shape(size, FEATURES)))
                .optLabels(manager.create(y, new Shape(size)))
                .setSampling(sampler)
                .build();
    }

    /**
     * Rank-2 particles on both layers of {@link #classifier}, B initialised with std 0.01, seed 3.
     *
     * @param base the classifier
     * @param particles the number of particles
     * @return the particles
     */
    public static ParticleBlock wrap(SequentialBlock base, int particles) {
        return Bella.wrap(
                base,
                BellaConfig.builder()
                        .optTargets("0", "2")
                        .optParticles(particles)
                        .optRank(2)
                        .optBInitStd(0.01)
                        .optSeed(3)
                        .build());
    }

    /**
     * Returns every particle tensor's values, in the model's order.
     *
     * @param p the particles
     * @return one array per tensor
     */
    public static List<float[]> adapters(ParticleBlock p) {
        List<float[]> out = new ArrayList<>();
        for (Parameter param : p.getParticleParameters().values()) {
            out.add(param.getArray().toFloatArray());
        }
        return out;
    }

    /**
     * A rule that hands each particle's own loss gradient to the optimizer, named as given: the
     * plainest rule, for tests of the loop itself.
     *
     * @param name the rule's name
     * @return the rule
     */
    public static UpdateRule ownGradient(String name) {
        return new UpdateRule() {
            @Override
            public String name() {
                return name;
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
    }
}
