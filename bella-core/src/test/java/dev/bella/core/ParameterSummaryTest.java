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
package dev.bella.core;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.initializer.ConstantInitializer;
import org.junit.jupiter.api.Test;

class ParameterSummaryTest {

    /** 12 blocks of CLIP ViT-B/32's MLP: c_fc 768 -> 3072 and c_proj 3072 -> 768. */
    private static SequentialBlock clipMlpStack(NDManager manager) {
        SequentialBlock blocks = new SequentialBlock();
        for (int i = 0; i < 12; i++) {
            blocks.add(
                    new SequentialBlock()
                            .add(Linear.builder().setUnits(3072).build())
                            .add(Linear.builder().setUnits(768).build()));
        }
        blocks.setInitializer(new ConstantInitializer(0.01f), p -> true);
        blocks.initialize(manager, DataType.FLOAT32, new Shape(1, 768));
        return blocks;
    }

    @Test
    void countsMatchThePapersTableOne() {
        try (NDManager manager = NDManager.newBaseManager()) {
            SequentialBlock base = clipMlpStack(manager);
            // SPEC §1: r (768 + 3072) = 3,840 r per layer; 24 layers at r = 4 -> 368,640.
            long[][] expected = {
                {3, 1_105_920}, {5, 1_843_200}, {20, 7_372_800}, {100, 36_864_000}
            };
            for (long[] e : expected) {
                BellaConfig config =
                        BellaConfig.builder().optTargetRegex(".*").optParticles((int) e[0]).build();
                try (ParticleBlock p = Bella.wrap(base, config)) {
                    ParameterSummary s = p.summary();
                    assertThat(s.layers()).hasSize(24);
                    assertThat(s.trainablePerParticle()).isEqualTo(368_640);
                    assertThat(s.trainableTotal()).isEqualTo(e[1]);
                    // Frozen: 12 * (768*3072 + 3072 + 3072*768 + 768), counted once.
                    assertThat(s.frozen()).isEqualTo(12L * (2 * 768 * 3072 + 3072 + 768));
                    assertThat(s.layers().get(0).trainablePerParticle()).isEqualTo(3840 * 4);
                    assertThat(s.layers().get(1).path()).isEqualTo("0.1");
                    assertThat(s.toTable()).contains("24 adapted layers");
                }
            }
        }
    }
}
