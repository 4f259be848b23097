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

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import dev.bella.core.Bella;
import dev.bella.core.LowRankLinear;
import dev.bella.core.ParticleBlock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Java tower against the PyTorch reference of tools/clip/make_fixtures.py (OpenAI's CLIP code
 * with torch.nn.MultiheadAttention, run in float64), loaded from all three fixture files.
 */
class ClipReferenceTest {

    /** Absolute tolerance on embeddings and on every intermediate token state. */
    static final double TOLERANCE = 1e-4;

    static NDManager manager;
    static Map<String, ClipFixtures.Tensor> reference;

    @BeforeAll
    static void setUp() throws Exception {
        manager = NDManager.newBaseManager();
        reference = ClipFixtures.read(ClipFixtures.resource("tiny_reference.safetensors"));
    }

    @AfterAll
    static void tearDown() {
        manager.close();
    }

    private static NDList intermediates(ClipVisionTransformer tower, NDManager scope) {
        NDArray images = reference.get("images").toArray(scope);
        return tower.forwardWithIntermediates(new ParameterStore(scope, false), images, false);
    }

    private static void assertMatchesReference(ClipVisionTransformer tower, String label) {
        try (NDManager scope = manager.newSubManager()) {
            NDList out = intermediates(tower, scope);
            assertThat(out.size()).isEqualTo(2 + ClipFixtures.TINY.getLayers());
            for (NDArray a : out) {
                // Activations live in the caller's scope, never in the weights' manager.
                assertThat(a.getManager()).as(a.getName()).isSameAs(scope);
                ClipFixtures.Tensor expected = reference.get(a.getName());
                assertThat(a.getShape().getShape()).isEqualTo(expected.shape());
                double diff = ClipFixtures.maxAbsDiff(a, expected.values());
                System.out.printf("%-7s %-12s max |diff| = %.3g%n", label, a.getName(), diff);
                assertThat(diff).as(label + " " + a.getName()).isLessThanOrEqualTo(TOLERANCE);
            }
            // forward() is the same computation as forwardWithIntermediates' embedding.
            NDArray embedding = ClipFixtures.run(tower, reference.get("images").toArray(scope));
            assertThat(embedding.toFloatArray()).containsExactly(out.get(0).toFloatArray());
        }
    }

    @Test
    void huggingFaceBf16MatchesPyTorch() throws Exception {
        Path file = ClipFixtures.resource("tiny_hf_bf16.safetensors");
        assertMatchesReference(
                ClipCheckpoints.loadHuggingFace(file, ClipFixtures.TINY, manager), "hf");
    }

    @Test
    void openAiF16SafetensorsMatchesPyTorch() throws Exception {
        Path file = ClipFixtures.resource("tiny_openai_f16.safetensors");
        assertMatchesReference(
                ClipCheckpoints.loadOpenAi(file, ClipFixtures.TINY, manager), "openai");
    }

    @Test
    void torchScriptMatchesPyTorch() throws Exception {
        Path file = ClipFixtures.resource("tiny_openai_jit.pt");
        assertMatchesReference(ClipCheckpoints.loadOpenAi(file, ClipFixtures.TINY, manager), "jit");
    }

    @Test
    void allFormatsLoadIdenticalWeights() throws Exception {
        ClipVisionTransformer hf =
                ClipCheckpoints.load(
                        ClipFixtures.resource("tiny_hf_bf16.safetensors"),
                        ClipFixtures.TINY,
                        manager);
        ClipVisionTransformer openAi =
                ClipCheckpoints.load(
                        ClipFixtures.resource("tiny_openai_f16.safetensors"),
                        ClipFixtures.TINY,
                        manager);
        ClipVisionTransformer jit =
                ClipCheckpoints.load(
                        ClipFixtures.resource("tiny_openai_jit.pt"), ClipFixtures.TINY, manager);
        Iterator<Pair<String, Parameter>> b = openAi.getParameters().iterator();
        Iterator<Pair<String, Parameter>> c = jit.getParameters().iterator();
        for (Pair<String, Parameter> p : hf.getParameters()) {
            float[] expected = p.getValue().getArray().toFloatArray();
            assertThat(b.next().getValue().getArray().toFloatArray())
                    .as(p.getKey())
                    .containsExactly(expected);
            assertThat(c.next().getValue().getArray().toFloatArray())
                    .as(p.getKey())
                    .containsExactly(expected);
        }
        try (NDManager scope = manager.newSubManager()) {
            NDArray x = reference.get("images").toArray(scope);
            float[] out = ClipFixtures.run(hf, x).toFloatArray();
            assertThat(ClipFixtures.run(openAi, x).toFloatArray()).containsExactly(out);
            assertThat(ClipFixtures.run(jit, x).toFloatArray()).containsExactly(out);
        }
    }

    @Test
    void float32SafetensorsLoadsTheSameValues(@TempDir Path dir) throws Exception {
        Map<String, ClipFixtures.Tensor> tensors =
                ClipFixtures.read(ClipFixtures.resource("tiny_hf_bf16.safetensors"));
        Path f32 = dir.resolve("model.safetensors");
        ClipFixtures.write(f32, tensors, "F32");
        ClipVisionTransformer tower = ClipCheckpoints.load(f32, ClipFixtures.TINY, manager);
        assertMatchesReference(tower, "f32");
    }

    @Test
    void exactGeluVariantMatchesPyTorch() throws Exception {
        ClipVisionConfig gelu =
                ClipFixtures.TINY.toBuilder()
                        .optActivation(ClipVisionConfig.MlpActivation.GELU)
                        .build();
        ClipVisionTransformer tower =
                ClipCheckpoints.load(
                        ClipFixtures.resource("tiny_openai_f16.safetensors"), gelu, manager);
        try (NDManager scope = manager.newSubManager()) {
            NDArray out = ClipFixtures.run(tower, reference.get("images").toArray(scope));
            double diff = ClipFixtures.maxAbsDiff(out, reference.get("embedding_gelu").values());
            System.out.printf("gelu    embedding    max |diff| = %.3g%n", diff);
            assertThat(diff).isLessThanOrEqualTo(TOLERANCE);
        }
    }

    @Test
    void inspectInfersTheConfigurationFromShapes() throws Exception {
        // heads cannot be read from shapes: CLIP's rule width / 64 gives 1 for the tiny width.
        ClipVisionConfig inferred = ClipFixtures.TINY.toBuilder().optHeads(1).build();
        ClipCheckpointInfo hf =
                ClipCheckpoints.inspect(ClipFixtures.resource("tiny_hf_bf16.safetensors"));
        assertThat(hf.format()).isEqualTo(ClipCheckpointInfo.Format.SAFETENSORS);
        assertThat(hf.naming()).isEqualTo(ClipCheckpointInfo.Naming.HUGGING_FACE);
        assertThat(hf.config()).isEqualTo(inferred);
        assertThat(hf.dtypes()).containsExactly("BF16");

        ClipCheckpointInfo jit =
                ClipCheckpoints.inspect(ClipFixtures.resource("tiny_openai_jit.pt"));
        assertThat(jit.format()).isEqualTo(ClipCheckpointInfo.Format.TORCHSCRIPT);
        assertThat(jit.naming()).isEqualTo(ClipCheckpointInfo.Naming.OPENAI);
        assertThat(jit.config()).isEqualTo(inferred);
        assertThat(jit.dtypes()).containsExactly("F16");

        ClipCheckpointInfo openAi =
                ClipCheckpoints.inspect(ClipFixtures.resource("tiny_openai_f16.safetensors"));
        assertThat(openAi.naming()).isEqualTo(ClipCheckpointInfo.Naming.OPENAI);
        assertThat(openAi.config()).isEqualTo(inferred);
    }

    @Test
    void huggingFaceConfigJsonGivesHeadsAndActivation(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("model.safetensors");
        Files.copy(ClipFixtures.resource("tiny_hf_bf16.safetensors"), file);
        Files.writeString(
                dir.resolve("config.json"),
                "{\"model_type\": \"clip\", \"vision_config\": {\"hidden_size\": 64,"
                        + " \"num_attention_heads\": 4, \"hidden_act\": \"quick_gelu\","
                        + " \"layer_norm_eps\": 1e-05}}");
        assertThat(ClipCheckpoints.inspect(file).config()).isEqualTo(ClipFixtures.TINY);
        assertMatchesReference(ClipCheckpoints.load(file, manager), "hf+cfg");

        Files.writeString(
                dir.resolve("config.json"),
                "{\"vision_config\": {\"num_attention_heads\": 4, \"hidden_act\": \"gelu\"}}");
        assertThat(ClipCheckpoints.inspect(file).config().getActivation())
                .isEqualTo(ClipVisionConfig.MlpActivation.GELU);
    }

    @Test
    void bellaParticlesStartAtTheLoadedModel() throws Exception {
        ClipVisionTransformer tower =
                ClipCheckpoints.load(
                        ClipFixtures.resource("tiny_hf_bf16.safetensors"),
                        ClipFixtures.TINY,
                        manager);
        try (ParticleBlock particles =
                        Bella.wrap(tower, ClipTargets.bellaConfig().optParticles(3).build());
                NDManager scope = manager.newSubManager()) {
            assertThat(particles.getLayers(LowRankLinear.class).keySet())
                    .containsExactly(
                            "transformer.resblocks.0.mlp.c_fc",
                            "transformer.resblocks.0.mlp.c_proj",
                            "transformer.resblocks.1.mlp.c_fc",
                            "transformer.resblocks.1.mlp.c_proj");
            NDArray x = reference.get("images").toArray(scope);
            NDArray out = particles.predict(new NDList(x)).singletonOrThrow();
            assertThat(out.getShape().getShape()).containsExactly(3, 2, 32);
            float[] expected = reference.get("embedding").values();
            for (int i = 0; i < 3; i++) {
                assertThat(ClipFixtures.maxAbsDiff(out.get(i), expected))
                        .isLessThanOrEqualTo(TOLERANCE);
            }
        }
        // The user's tower is untouched by wrapping.
        assertThat(tower.getTransformer().getBlock(0).getMlp().getCFc())
                .isExactlyInstanceOf(ai.djl.nn.core.Linear.class);
    }

    @Test
    void attentionProjectionsCanBeAdaptedAndMerged() throws Exception {
        ClipVisionTransformer tower =
                ClipCheckpoints.load(
                        ClipFixtures.resource("tiny_openai_f16.safetensors"),
                        ClipFixtures.TINY,
                        manager);
        try (ParticleBlock particles =
                        Bella.wrap(
                                tower,
                                ClipTargets.bellaConfig()
                                        .optTargets(ClipTargets.ATTENTION)
                                        .optParticles(2)
                                        .optBInitStd(0.05)
                                        .build());
                NDManager scope = manager.newSubManager()) {
            assertThat(particles.getLayers(LowRankLinear.class)).hasSize(8);
            assertThat(particles.getLayers(LowRankLinear.class))
                    .containsKeys(
                            "transformer.resblocks.0.attn.in_proj",
                            "transformer.resblocks.1.attn.out_proj");
            NDArray x = reference.get("images").toArray(scope);
            NDArray out = particles.predict(new NDList(x)).singletonOrThrow();
            assertThat(out.getShape().getShape()).containsExactly(2, 2, 32);
            float[] base = reference.get("embedding").values();
            for (int i = 0; i < 2; i++) {
                // B != 0: each particle moved away from the base model ...
                assertThat(ClipFixtures.maxAbsDiff(out.get(i), base)).isGreaterThan(1e-3);
                // ... and merging it into dense weights gives the same outputs.
                try (dev.bella.core.MergedParticle merged = particles.merge(i)) {
                    NDArray m = merged.predict(new NDList(x)).singletonOrThrow();
                    assertThat(ClipFixtures.maxAbsDiff(m, out.get(i).toFloatArray()))
                            .isLessThan(1e-4);
                }
            }
        }
    }
}
