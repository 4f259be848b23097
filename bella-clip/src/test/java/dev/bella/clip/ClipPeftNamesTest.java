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
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.bella.core.LowRankLinear;
import dev.bella.core.ParticleBlock;
import dev.bella.core.peft.PeftAdapter;
import dev.bella.core.peft.PeftAdapters;
import dev.bella.core.peft.PeftConfig;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ClipPeftNamesTest {

    @Test
    void huggingFaceAndOpenAiNamesMapBothWays() {
        Map<String, String> pairs =
                Map.of(
                        "vision_model.encoder.layers.0.mlp.fc1", "transformer.resblocks.0.mlp.c_fc",
                        "vision_model.encoder.layers.11.mlp.fc2",
                                "transformer.resblocks.11.mlp.c_proj",
                        "vision_model.encoder.layers.3.self_attn.out_proj",
                                "transformer.resblocks.3.attn.out_proj",
                        "visual_projection", "proj");
        ClipPeftNames tower = ClipPeftNames.forTower();
        ClipPeftNames classifier = ClipPeftNames.forClassifier();
        pairs.forEach(
                (hf, ours) -> {
                    assertThat(tower.toBella(hf)).isEqualTo(ours);
                    assertThat(tower.toPeft(ours)).isEqualTo(hf);
                    assertThat(classifier.toBella(hf)).isEqualTo("visual." + ours);
                    assertThat(classifier.toPeft("visual." + ours)).isEqualTo(hf);
                });
        assertThatThrownBy(() -> tower.toBella("vision_model.encoder.layers.0.self_attn.q_proj"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("q_proj")
                .hasMessageContaining("attn.in_proj");
        assertThatThrownBy(() -> tower.toBella("text_model.encoder.layers.0.mlp.fc1"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'text_model.encoder.layers.0.mlp.fc1'");
        assertThatThrownBy(() -> classifier.toPeft("head"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("layer 'head' has no Hugging Face CLIP counterpart");
    }

    @Test
    void aPeftAdapterForHuggingFaceClipLandsOnTheOpenAiLayers() {
        try (NDManager manager = NDManager.newBaseManager()) {
            ClipVisionTransformer tower =
                    ClipVisionTransformer.random(ClipFixtures.TINY, manager, 3);
            int w = 64;
            int mlp =
                    (int)
                            tower.getTransformer()
                                    .getBlock(1)
                                    .getMlp()
                                    .getCFc()
                                    .getParameters()
                                    .get("weight")
                                    .getArray()
                                    .getShape()
                                    .get(0);
            int r = 2;
            Random rng = new Random(5);
            Map<String, PeftAdapter.Lora> modules = new LinkedHashMap<>();
            modules.put(
                    "vision_model.encoder.layers.1.mlp.fc1",
                    new PeftAdapter.Lora(gauss(rng, r * w), gauss(rng, mlp * r), w, mlp));
            modules.put(
                    "vision_model.encoder.layers.0.self_attn.out_proj",
                    new PeftAdapter.Lora(gauss(rng, r * w), gauss(rng, w * r), w, w));
            PeftAdapter adapter =
                    new PeftAdapter(
                            new PeftConfig(
                                    r,
                                    8.0,
                                    false,
                                    List.of("fc1", "out_proj"),
                                    "openai/clip-vit-base-patch32"),
                            modules);
            try (ParticleBlock p =
                    PeftAdapters.importParticles(
                            tower, List.of(adapter), ClipPeftNames.forTower())) {
                assertThat(p.getLayers().keySet())
                        .containsExactlyInAnyOrder(
                                "transformer.resblocks.1.mlp.c_fc",
                                "transformer.resblocks.0.attn.out_proj");
                LowRankLinear fc =
                        p.getLayers(LowRankLinear.class).get("transformer.resblocks.1.mlp.c_fc");
                PeftAdapter.Lora l = modules.get("vision_model.encoder.layers.1.mlp.fc1");
                float[] w0 =
                        tower.getTransformer()
                                .getBlock(1)
                                .getMlp()
                                .getCFc()
                                .getParameters()
                                .get("weight")
                                .getArray()
                                .toFloatArray();
                try (NDArray merged = fc.mergedWeight(0)) {
                    float[] m = merged.toFloatArray();
                    for (int o = 0; o < mlp; o += 7) {
                        for (int i = 0; i < w; i += 5) {
                            double d = 0;
                            for (int k = 0; k < r; k++) {
                                d += l.b()[o * r + k] * l.a()[k * w + i];
                            }
                            assertThat((double) m[o * w + i])
                                    .isCloseTo(w0[o * w + i] + 4.0 * d, within(1e-4));
                        }
                    }
                }
                PeftAdapter back =
                        PeftAdapters.exportParticle(
                                p, 0, ClipPeftNames.forTower(), "openai/clip-vit-base-patch32");
                assertThat(back.modules().keySet()).isEqualTo(modules.keySet());
                back.modules()
                        .forEach(
                                (k, v) -> {
                                    assertThat(v.a()).containsExactly(modules.get(k).a());
                                    assertThat(v.b()).containsExactly(modules.get(k).b());
                                });
            }
        }
    }

    @Test
    void qAndVProjectionsLandOnTheirRowsOfTheFusedInProjection() {
        try (NDManager manager = NDManager.newBaseManager()) {
            ClipVisionTransformer tower =
                    ClipVisionTransformer.random(ClipFixtures.TINY, manager, 4);
            int w = 64;
            int r = 2;
            Random rng = new Random(6);
            Map<String, PeftAdapter.Lora> modules = new LinkedHashMap<>();
            for (String m : List.of("q_proj", "v_proj", "out_proj")) {
                modules.put(
                        "vision_model.encoder.layers.0.self_attn." + m,
                        new PeftAdapter.Lora(gauss(rng, r * w), gauss(rng, w * r), w, w));
            }
            PeftAdapter adapter =
                    new PeftAdapter(
                            new PeftConfig(
                                    r, 6.0, false, List.of("q_proj", "v_proj", "out_proj"), null),
                            modules);
            float[] w0 =
                    tower.getTransformer()
                            .getBlock(0)
                            .getAttn()
                            .getInProj()
                            .getParameters()
                            .get("weight")
                            .getArray()
                            .toFloatArray();
            try (ParticleBlock p =
                    PeftAdapters.importParticles(
                            tower, List.of(adapter), ClipPeftNames.forTower())) {
                assertThat(p.getLayers().keySet())
                        .containsExactlyInAnyOrder(
                                "transformer.resblocks.0.attn.in_proj",
                                "transformer.resblocks.0.attn.out_proj");
                // q and v share in_proj: rank 2 r there, every layer padded to it, same scale.
                assertThat(p.getConfig().getRank()).isEqualTo(2 * r);
                LowRankLinear in =
                        p.getLayers(LowRankLinear.class)
                                .get("transformer.resblocks.0.attn.in_proj");
                assertThat(in.getScale()).isCloseTo(3.0, within(1e-12));
                try (NDArray merged = in.mergedWeight(0)) {
                    float[] m = merged.toFloatArray();
                    for (int part = 0; part < 3; part++) {
                        PeftAdapter.Lora l =
                                part == 1
                                        ? null
                                        : modules.get(
                                                "vision_model.encoder.layers.0.self_attn."
                                                        + (part == 0 ? "q_proj" : "v_proj"));
                        for (int o = 0; o < w; o += 3) {
                            for (int i = 0; i < w; i += 5) {
                                double d = 0;
                                for (int k = 0; l != null && k < r; k++) {
                                    d += l.b()[o * r + k] * l.a()[k * w + i];
                                }
                                int row = part * w + o;
                                assertThat((double) m[row * w + i])
                                        .as("part %d row %d col %d", part, o, i)
                                        .isCloseTo(w0[row * w + i] + 3.0 * d, within(1e-4));
                            }
                        }
                    }
                }
                assertThatThrownBy(
                                () ->
                                        PeftAdapters.exportParticle(
                                                p, 0, ClipPeftNames.forTower(), null))
                        .isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("fused q, k, v projection");
            }
        }
    }

    private static float[] gauss(Random rng, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (0.1 * rng.nextGaussian());
        }
        return v;
    }
}
