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

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.dataset.ArrayDataset;
import dev.bella.clip.ClipClassifier;
import dev.bella.clip.ClipTargets;
import dev.bella.clip.ClipVisionConfig;
import dev.bella.clip.ClipVisionTransformer;
import dev.bella.core.Bella;
import dev.bella.core.FullRankLinear;
import dev.bella.core.LowRankLinear;
import dev.bella.core.ParticleBlock;
import dev.bella.core.posterior.EpochStats;
import dev.bella.core.posterior.ParticlePosterior;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 5: one SVGD step of 5 Bella particles on the full-size CLIP ViT-B/32 (seeded random
 * weights), the paper's configuration: rank 4 on the 24 MLP layers plus a per-particle head.
 */
class ClipSvgdStepTest {

    @Test
    void oneSvgdStepOfFiveParticlesOnViTB32() throws Exception {
        try (NDManager manager = NDManager.newBaseManager()) {
            ClipVisionTransformer tower =
                    ClipVisionTransformer.random(ClipVisionConfig.vitB32(), manager, 1);
            ClipClassifier clip = ClipClassifier.withTrainableHead(tower, 10, 2, manager);
            manager.getEngine().setRandomSeed(3);
            ArrayDataset data =
                    new ArrayDataset.Builder()
                            .setData(manager.randomUniform(0, 1, new Shape(2, 3, 224, 224)))
                            .optLabels(manager.create(new float[] {3, 7}))
                            .setSampling(2, false)
                            .build();
            try (ParticleBlock particles =
                    Bella.wrap(
                            clip,
                            ClipTargets.bellaConfig()
                                    .optFullRankTargets("head")
                                    .optFullRankInitStd(0.01)
                                    .optBInitStd(0.01)
                                    .optParticles(5)
                                    .build())) {
                assertThat(particles.getLayers(LowRankLinear.class)).hasSize(24);
                // 368,640 per particle in the MLPs (SPEC §1) plus a 512 -> 10 head with bias.
                assertThat(particles.summary().trainablePerParticle())
                        .isEqualTo(368_640 + 512 * 10 + 10);
                List<float[]> before = new ArrayList<>();
                for (Parameter p : particles.getParticleParameters().values()) {
                    before.add(p.getArray().toFloatArray());
                }
                ParticlePosterior p =
                        SvgdRule.trainer()
                                .optBatchSize(2)
                                .optMaxSteps(1)
                                .optLearningRate(1e-3f)
                                .build()
                                .fit(particles, data, null);
                EpochStats s = p.getProvenance().history().get(0);
                assertThat(s.steps()).isEqualTo(1);
                assertThat(s.trainLoss()).isFinite();
                assertThat(s.diagnostic("h2")).isPositive().isFinite();
                assertThat(s.diagnostic("mean_kernel")).isBetween(0.0, 1.0);
                // Every trainable tensor moved; every particle of the head moved.
                List<Parameter> after = List.copyOf(particles.getParticleParameters().values());
                for (int i = 0; i < after.size(); i++) {
                    assertThat(after.get(i).getArray().toFloatArray())
                            .as(after.get(i).getName())
                            .isNotEqualTo(before.get(i));
                }
                NDArray head =
                        particles
                                .getLayers(FullRankLinear.class)
                                .values()
                                .iterator()
                                .next()
                                .getWeights()
                                .getArray();
                assertThat(head.getShape()).isEqualTo(new Shape(5, 10, 512));
            }
        }
    }
}
