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
package dev.bella.clip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.util.Pair;
import dev.bella.core.Bella;
import dev.bella.core.BellaConfig;
import dev.bella.core.LayerPaths;
import dev.bella.core.LowRankLinear;
import dev.bella.core.ParameterSummary;
import dev.bella.core.ParticleBlock;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The full-size ViT-B/32 with seeded random weights: shapes, counts, one forward, Bella. */
class ClipVisionTransformerTest {

    static NDManager manager;
    static ClipVisionTransformer vit;

    @BeforeAll
    static void setUp() {
        manager = NDManager.newBaseManager();
        vit = ClipVisionTransformer.random(ClipVisionConfig.vitB32(), manager, 42);
    }

    @AfterAll
    static void tearDown() {
        manager.close();
    }

    @Test
    void parameterCountIsTorchs() throws Exception {
        long count = 0;
        for (Pair<String, Parameter> p : vit.getParameters()) {
            count += p.getValue().getArray().size();
        }
        assertThat(count)
                .isEqualTo(87_849_216L)
                .isEqualTo(ClipFixtures.referenceJson().get("vit_b32_parameter_count").getAsLong());
    }

    @Test
    void pathsAreOpenAiModuleNames() {
        Map<String, Block> tree = LayerPaths.walk(vit);
        assertThat(tree)
                .containsKeys(
                        "conv1",
                        "ln_pre",
                        "transformer",
                        "transformer.resblocks",
                        "transformer.resblocks.0.ln_1",
                        "transformer.resblocks.0.attn.in_proj",
                        "transformer.resblocks.0.attn.out_proj",
                        "transformer.resblocks.0.ln_2",
                        "transformer.resblocks.0.mlp.c_fc",
                        "transformer.resblocks.0.mlp.c_proj",
                        "transformer.resblocks.11.mlp.c_proj",
                        "ln_post",
                        "proj");
        List<String> linears =
                tree.entrySet().stream()
                        .filter(e -> e.getValue() instanceof Linear)
                        .map(Map.Entry::getKey)
                        .collect(Collectors.toList());
        assertThat(linears).hasSize(12 * 4 + 1);
        Shape inProj =
                ((Linear) tree.get("transformer.resblocks.3.attn.in_proj"))
                        .getParameters()
                        .get("weight")
                        .getArray()
                        .getShape();
        assertThat(inProj).isEqualTo(new Shape(2304, 768));
        assertThat(vit.getProj().getParameters().get("weight").getArray().getShape())
                .isEqualTo(new Shape(512, 768));
        assertThat(vit.getProj().getParameters().contains("bias")).isFalse();
        assertThat(vit.getConv1().getParameters().contains("bias")).isFalse();
    }

    @Test
    void oneForwardAndFiveBatchedParticles() {
        try (NDManager scope = manager.newSubManager()) {
            scope.getEngine().setRandomSeed(3);
            NDArray x = scope.randomNormal(vit.inputShape(1));
            NDArray base = ClipFixtures.run(vit, x);
            assertThat(base.getShape()).isEqualTo(new Shape(1, 512));
            assertThat(vit.getOutputShapes(new Shape[] {vit.inputShape(1)})[0])
                    .isEqualTo(new Shape(1, 512));

            BellaConfig config = ClipTargets.bellaConfig().optParticles(5).build();
            try (ParticleBlock particles = Bella.wrap(vit, config)) {
                ParameterSummary summary = particles.summary();
                assertThat(particles.getLayers(LowRankLinear.class)).hasSize(24);
                assertThat(summary.trainablePerParticle()).isEqualTo(368_640L);
                assertThat(summary.trainableTotal()).isEqualTo(1_843_200L);
                assertThat(summary.frozen()).isEqualTo(87_849_216L);
                NDArray out = particles.predict(new NDList(x)).singletonOrThrow();
                assertThat(out.getShape()).isEqualTo(new Shape(5, 1, 512));
                float[] expected = base.toFloatArray();
                for (int i = 0; i < 5; i++) {
                    // B = 0 at initialisation: every particle is the base model.
                    assertThat(ClipFixtures.maxAbsDiff(out.get(i), expected)).isLessThan(1e-4);
                }
            }
        }
    }

    @Test
    void bellaSelectsExactlyTheMlpLayersBySuffix() {
        BellaConfig mlp =
                BellaConfig.builder().optTargets("c_fc", "c_proj").optParticles(1).build();
        try (ParticleBlock p = Bella.wrap(vit, mlp)) {
            assertThat(p.getLayers(LowRankLinear.class)).hasSize(24);
            assertThat(p.getLayers(LowRankLinear.class).keySet())
                    .allMatch(k -> k.matches("transformer\\.resblocks\\.\\d+\\.mlp\\.c_(fc|proj)"));
            assertThat(p.summary().trainablePerParticle()).isEqualTo(368_640L);
        }
        BellaConfig withAttention =
                ClipTargets.bellaConfig().optTargets(ClipTargets.ATTENTION).optParticles(1).build();
        try (ParticleBlock p = Bella.wrap(vit, withAttention)) {
            assertThat(p.getLayers(LowRankLinear.class)).hasSize(48);
            // + 12 x r (768 + 2304) + 12 x r (768 + 768) at r = 4
            assertThat(p.summary().trainablePerParticle())
                    .isEqualTo(368_640L + 12 * 4 * (768 + 2304) + 12 * 4 * (768 + 768));
        }
    }

    @Test
    void wrongImageShapeSaysWhatIsExpected() {
        try (NDManager scope = manager.newSubManager()) {
            NDArray x = scope.zeros(new Shape(1, 3, 32, 32));
            assertThatThrownBy(() -> ClipFixtures.run(vit, x))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("expects normalised images (batch, 3, 224, 224)")
                    .hasMessageContaining("(1, 3, 32, 32)");
        }
    }
}
