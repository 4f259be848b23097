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

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class WrapErrorsTest {

    private NDManager manager;

    @BeforeEach
    void setUp() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    @Test
    void configValidationNamesTheValue() {
        assertThatThrownBy(() -> BellaConfig.builder().optTargets("x").optRank(0).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("rank")
                .hasMessageContaining("0");
        assertThatThrownBy(() -> BellaConfig.builder().optTargets("x").optParticles(-3).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("particles")
                .hasMessageContaining("-3");
        assertThatThrownBy(() -> BellaConfig.builder().optTargets("x").optAlpha(Double.NaN).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("alpha")
                .hasMessageContaining("NaN");
        assertThatThrownBy(
                        () ->
                                BellaConfig.builder()
                                        .optTargets("x")
                                        .optAlpha(Double.POSITIVE_INFINITY)
                                        .build())
                .hasMessageContaining("Infinity");
        assertThatThrownBy(() -> BellaConfig.builder().optTargetRegex("(").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("(");
        assertThatThrownBy(() -> BellaConfig.builder().build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no target layers");
        assertThatThrownBy(() -> BellaConfig.builder().optBInitStd(-1).optTargets("x").build())
                .hasMessageContaining("-1");
    }

    @Test
    void alphaDefaultsToRank() {
        BellaConfig c = BellaConfig.builder().optTargets("x").optRank(16).build();
        assertThat(c.getAlpha()).isEqualTo(16);
        assertThat(c.getScale()).isEqualTo(1);
        assertThat(c.getParticles()).isEqualTo(5);
        assertThat(BellaConfig.builder().optTargets("x").build().getRank()).isEqualTo(4);
    }

    @Test
    void noMatchRepeatsThePatternsAndListsRealNames() {
        SequentialBlock base = TestModels.mlp(manager, 6, 8, 4);
        BellaConfig config =
                BellaConfig.builder().optTargets("c_fc").optTargetRegex(".*attn.*").build();
        assertThatThrownBy(() -> Bella.wrap(base, config))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("c_fc")
                .hasMessageContaining(".*attn.*")
                .hasMessageContaining("Linear layers are: 0, 2");
    }

    @Test
    void excludesWinOverTargets() {
        SequentialBlock base = TestModels.mlp(manager, 6, 8, 4);
        BellaConfig config = BellaConfig.builder().optTargetRegex("\\d").optExcludes("2").build();
        try (ParticleBlock p = Bella.wrap(base, config)) {
            assertThat(p.getLayers(LowRankLinear.class)).containsOnlyKeys("0");
        }
        BellaConfig all = BellaConfig.builder().optTargetRegex("0|2").optExcludes("0", "2").build();
        assertThatThrownBy(() -> Bella.wrap(base, all)).hasMessageContaining("excludes=[0, 2]");
    }

    @Test
    void nonLinearTargetsAreRejected() {
        SequentialBlock base =
                new SequentialBlock()
                        .add(Linear.builder().setUnits(4).build())
                        .add(LayerNorm.builder().build());
        base.initialize(manager, DataType.FLOAT32, new Shape(2, 3));
        assertThatThrownBy(() -> Bella.wrap(base, BellaConfig.builder().optTargets("1").build()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'1' is a LayerNorm");
    }

    @Test
    void rankLargerThanTheLayerIsRejected() {
        SequentialBlock base = TestModels.mlp(manager, 6, 8, 4);
        BellaConfig config = BellaConfig.builder().optTargets("2").optRank(5).build();
        assertThatThrownBy(() -> Bella.wrap(base, config))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("rank 5")
                .hasMessageContaining("min(d_in, d_out) = 4")
                .hasMessageContaining("'2'");
    }

    @Test
    void uninitialisedBaseIsRejected() {
        SequentialBlock base = new SequentialBlock().add(Linear.builder().setUnits(4).build());
        assertThatThrownBy(() -> Bella.wrap(base, BellaConfig.builder().optTargets("0").build()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not initialised")
                .hasMessageContaining("weight");
    }

    @Test
    void pathsFollowPyTorchNaming() {
        TestModels.TwoTower tower = new TestModels.TwoTower(3, 2);
        SequentialBlock root = new SequentialBlock().add(tower).add(tower);
        assertThat(LayerPaths.walk(root).keySet())
                .containsExactly(
                        "", "0", "0.left", "0.right", "0.head", "1", "1.left", "1.right", "1.head");
    }
}
