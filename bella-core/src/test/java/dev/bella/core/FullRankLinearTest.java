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
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.SequentialBlock;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FullRankLinearTest {

    @TempDir Path dir;
    private NDManager manager;
    private SequentialBlock base;

    @BeforeEach
    void setUp() {
        manager = NDManager.newBaseManager();
        base = TestModels.mlp(manager, 6, 8, 4);
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    private NDArray input() {
        manager.getEngine().setRandomSeed(4);
        return manager.randomNormal(new Shape(5, 6));
    }

    @Test
    void copiesStartAtTheBaseAndEachParticleUsesItsOwn() {
        BellaConfig config =
                BellaConfig.builder()
                        .optTargets("0")
                        .optFullRankTargets("2")
                        .optParticles(3)
                        .build();
        NDArray x = input();
        try (ParticleBlock p = Bella.wrap(base, config)) {
            assertThat(p.getLayers(LowRankLinear.class)).containsOnlyKeys("0");
            assertThat(p.getLayers(FullRankLinear.class)).containsOnlyKeys("2");
            FullRankLinear head = p.getLayers(FullRankLinear.class).get("2");
            assertThat(head.getWeights().getArray().getShape()).isEqualTo(new Shape(3, 4, 8));
            assertThat(head.getWeights().requiresGradient()).isTrue();
            float[] baseOut = TestModels.run(base, x).toFloatArray();
            NDArray y = p.predict(new NDList(x)).singletonOrThrow();
            for (int i = 0; i < 3; i++) {
                assertThat(y.get(i).toFloatArray()).containsExactly(baseOut, within(1e-5f));
            }
            // Change particle 1's copy only; the reference is the base with that weight by hand.
            head.getWeights().getArray().get(1).muli(0); // a view: zeroes particle 1's copy
            NDArray y2 = p.predict(new NDList(x)).singletonOrThrow();
            float[] bias = head.getBiases().getArray().get(1).toFloatArray();
            float[] out1 = y2.get(1).toFloatArray();
            for (int r = 0; r < 5; r++) {
                for (int c = 0; c < 4; c++) {
                    assertThat(out1[r * 4 + c]).isCloseTo(bias[c], within(1e-6f));
                }
            }
            assertThat(y2.get(0).toFloatArray()).containsExactly(baseOut, within(1e-5f));
            try (MergedParticle merged = p.merge(1);
                    ParticleBlock one = p.select(1)) {
                assertThat(merged.predict(new NDList(x)).singletonOrThrow().toFloatArray())
                        .containsExactly(out1, within(1e-5f));
                assertThat(one.predict(new NDList(x)).singletonOrThrow().toFloatArray())
                        .containsExactly(out1, within(1e-5f));
            }
        }
        // The user's head is untouched.
        assertThat(TestModels.run(base, x).toFloatArray()).doesNotContain(Float.NaN);
    }

    @Test
    void fullRankOnlyModelsCountAndRoundTrip() throws Exception {
        BellaConfig config =
                BellaConfig.builder().optFullRankTargets("0", "2").optParticles(2).build();
        try (ParticleBlock p = Bella.wrap(base, config)) {
            ParameterSummary s = p.summary();
            // (6 * 8 + 8) + (8 * 4 + 4) per particle; nothing of the MLP stays frozen.
            assertThat(s.trainablePerParticle()).isEqualTo(56 + 36);
            assertThat(s.trainableTotal()).isEqualTo(2 * 92);
            assertThat(s.frozen()).isZero();
            assertThat(s.toTable()).contains("full");
            p.getLayers(FullRankLinear.class).get("0").getWeights().getArray().muli(2);
            p.saveAdapters(dir);
            try (ParticleBlock loaded = Bella.load(dir, base)) {
                assertThat(loaded.getConfig()).isEqualTo(config);
                NDArray x = input();
                assertThat(loaded.predict(new NDList(x)).singletonOrThrow().toFloatArray())
                        .containsExactly(
                                p.predict(new NDList(x)).singletonOrThrow().toFloatArray());
            }
        }
    }

    @Test
    void initialNoiseSeparatesTheCopiesReproducibly() {
        BellaConfig config =
                BellaConfig.builder()
                        .optFullRankTargets("0")
                        .optParticles(4)
                        .optFullRankInitStd(0.05)
                        .build();
        float[] w0 =
                base.getChildren()
                        .get(0)
                        .getValue()
                        .getParameters()
                        .get("weight")
                        .getArray()
                        .toFloatArray();
        try (ParticleBlock p = Bella.wrap(base, config);
                ParticleBlock q = Bella.wrap(base, config)) {
            NDArray w = p.getLayers(FullRankLinear.class).get("0").getWeights().getArray();
            assertThat(w.toFloatArray())
                    .containsExactly(
                            q.getLayers(FullRankLinear.class)
                                    .get("0")
                                    .getWeights()
                                    .getArray()
                                    .toFloatArray());
            // Noise of std 0.05 over 4 x 48 entries: the deviations' RMS is near 0.05.
            NDArray dev = w.sub(manager.create(w0, new Shape(1, 8, 6)));
            double rms = Math.sqrt(dev.pow(2).mean().getFloat());
            assertThat(rms).isCloseTo(0.05, within(0.01));
            assertThat(w.get(0).toFloatArray()).isNotEqualTo(w.get(1).toFloatArray());
        }
        assertThatThrownBy(
                        () ->
                                BellaConfig.builder()
                                        .optFullRankTargets("0")
                                        .optFullRankInitStd(-1)
                                        .build())
                .hasMessageContaining("fullRankInitStd")
                .hasMessageContaining("-1");
    }

    @Test
    void aLayerCannotBeBothLowRankAndFullRank() {
        BellaConfig both = BellaConfig.builder().optTargets("2").optFullRankTargets("2").build();
        assertThatThrownBy(() -> Bella.wrap(base, both))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'2' is both");
        BellaConfig none = BellaConfig.builder().optFullRankTargets("head").build();
        assertThatThrownBy(() -> Bella.wrap(base, none))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("fullRankTargets=[head]")
                .hasMessageContaining("0, 2");
    }
}
