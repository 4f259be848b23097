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

import ai.djl.ndarray.NDManager;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad checkpoint files: each gives one clear error, before any weight is read. */
class ClipCheckpointErrorsTest {

    static NDManager manager;

    @TempDir Path dir;

    @BeforeAll
    static void setUp() {
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void tearDown() {
        manager.close();
    }

    private static Map<String, ClipFixtures.Tensor> hf() throws Exception {
        return ClipFixtures.read(ClipFixtures.resource("tiny_hf_bf16.safetensors"));
    }

    private Path write(String name, Map<String, ClipFixtures.Tensor> tensors) throws Exception {
        Path file = dir.resolve(name);
        ClipFixtures.write(file, tensors, "F32");
        return file;
    }

    private static ClipFixtures.Tensor zeros(long... shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return new ClipFixtures.Tensor(shape, new float[(int) n]);
    }

    @Test
    void oneErrorListsEveryMissingUnexpectedAndMisShapedTensor() throws Exception {
        Map<String, ClipFixtures.Tensor> t = new LinkedHashMap<>(hf());
        t.remove("vision_model.encoder.layers.1.mlp.fc2.bias");
        t.remove("vision_model.encoder.layers.0.self_attn.k_proj.weight");
        t.put("vision_model.encoder.layers.0.mlp.fc1.weight", zeros(256, 32));
        t.put("vision_model.encoder.layers.0.self_attn.extra.weight", zeros(3, 3));
        Path file = write("broken.safetensors", t);
        assertThatThrownBy(() -> ClipCheckpoints.load(file, ClipFixtures.TINY, manager))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("4 problems")
                .hasMessageContaining(
                        "missing     vision_model.encoder.layers.1.mlp.fc2.bias: expected (64)")
                .hasMessageContaining(
                        "missing     vision_model.encoder.layers.0.self_attn.k_proj.weight:"
                                + " expected (64, 64)")
                .hasMessageContaining(
                        "mis-shaped  vision_model.encoder.layers.0.mlp.fc1.weight: expected (256,"
                                + " 64), found (256, 32)")
                .hasMessageContaining(
                        "unexpected  vision_model.encoder.layers.0.self_attn.extra.weight: (3, 3)");
    }

    @Test
    void aConfigThatDoesNotFitTheFileListsExpectedAndActualShapes() {
        Path file = ClipFixtures.resource("tiny_openai_f16.safetensors");
        assertThatThrownBy(
                        () -> ClipCheckpoints.loadOpenAi(file, ClipVisionConfig.vitB32(), manager))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("does not fit the CLIP visual tower")
                .hasMessageContaining(
                        "mis-shaped  visual.conv1.weight: expected (768, 3, 32, 32), found (64, 3, 8, 8)")
                .hasMessageContaining("152 problems")
                .hasMessageContaining("missing     visual.transformer.resblocks.2.ln_1.weight")
                .hasMessageContaining("(120 missing in all)")
                .message()
                .hasSizeLessThanOrEqualTo(2_000);
    }

    @Test
    void textTowerOnlyCheckpointSaysSo() throws Exception {
        Map<String, ClipFixtures.Tensor> t = new LinkedHashMap<>();
        t.put("text_model.embeddings.token_embedding.weight", zeros(10, 16));
        t.put("text_model.final_layer_norm.weight", zeros(16));
        t.put("text_projection.weight", zeros(8, 16));
        Path hfText = write("text.safetensors", t);
        assertThatThrownBy(() -> ClipCheckpoints.load(hfText, manager))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("text-tower-only checkpoint");

        Map<String, ClipFixtures.Tensor> o = new LinkedHashMap<>();
        o.put("token_embedding.weight", zeros(10, 16));
        o.put("transformer.resblocks.0.attn.in_proj_weight", zeros(48, 16));
        o.put("ln_final.weight", zeros(16));
        Path openAiText = write("text_openai.safetensors", o);
        assertThatThrownBy(() -> ClipCheckpoints.inspect(openAiText))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("text-tower-only checkpoint");
    }

    @Test
    void aFileOfAnotherModelIsNotACheckpoint() throws Exception {
        Map<String, ClipFixtures.Tensor> t = new LinkedHashMap<>();
        t.put("encoder.layer.0.attention.self.query.weight", zeros(4, 4));
        t.put("classifier.weight", zeros(2, 4));
        Path file = write("bert.safetensors", t);
        assertThatThrownBy(() -> ClipCheckpoints.load(file, manager))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is not a CLIP checkpoint")
                .hasMessageContaining("classifier.weight");
    }

    @Test
    void resNetClipIsNamed() throws Exception {
        Map<String, ClipFixtures.Tensor> t = new LinkedHashMap<>();
        t.put("visual.conv1.weight", zeros(4, 3, 3, 3));
        t.put("visual.layer1.0.conv1.weight", zeros(4, 4, 1, 1));
        t.put("visual.attnpool.c_proj.weight", zeros(4, 4));
        Path file = write("rn50.safetensors", t);
        assertThatThrownBy(() -> ClipCheckpoints.load(file, manager))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ResNet CLIP visual tower");
    }

    @Test
    void schemeSpecificLoaderRejectsTheOtherNaming() {
        Path file = ClipFixtures.resource("tiny_openai_f16.safetensors");
        assertThatThrownBy(() -> ClipCheckpoints.loadHuggingFace(file, ClipFixtures.TINY, manager))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("uses OPENAI tensor names (visual.*), not HUGGING_FACE");
    }

    @Test
    void inferenceNamesWhatIsMissing() throws Exception {
        Map<String, ClipFixtures.Tensor> t = new LinkedHashMap<>(hf());
        t.remove("visual_projection.weight");
        Path file = write("noproj.safetensors", t);
        assertThatThrownBy(() -> ClipCheckpoints.load(file, manager))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cannot infer")
                .hasMessageContaining("missing visual_projection.weight");
        // With a configuration, the same file gives the full list instead.
        assertThatThrownBy(() -> ClipCheckpoints.load(file, ClipFixtures.TINY, manager))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("1 problem:")
                .hasMessageContaining("missing     visual_projection.weight: expected (32, 64)");
    }

    @Test
    void nonFloatVisualTensorIsReported() throws Exception {
        Path file = dir.resolve("int.safetensors");
        byte[] header =
                ("{\"visual.class_embedding\":{\"dtype\":\"I32\",\"shape\":[2],"
                                + "\"data_offsets\":[0,8]},"
                                + "\"visual.conv1.weight\":{\"dtype\":\"F32\",\"shape\":[2,3,1,1],"
                                + "\"data_offsets\":[8,32]}}")
                        .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        try (OutputStream out = Files.newOutputStream(file)) {
            out.write(
                    java.nio.ByteBuffer.allocate(8)
                            .order(java.nio.ByteOrder.LITTLE_ENDIAN)
                            .putLong(header.length)
                            .array());
            out.write(header);
            out.write(new byte[32]);
        }
        ClipVisionConfig config =
                ClipVisionConfig.builder()
                        .optImageSize(1)
                        .optPatchSize(1)
                        .optWidth(2)
                        .optHeads(1)
                        .optLayers(1)
                        .optOutputDim(1)
                        .build();
        assertThatThrownBy(() -> ClipCheckpoints.load(file, config, manager))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(
                        "bad dtype   visual.class_embedding: I32, expected a floating-point type");
    }

    @Test
    void truncatedSafetensorsIsRejected() throws Exception {
        Path good = ClipFixtures.resource("tiny_hf_bf16.safetensors");
        byte[] bytes = Files.readAllBytes(good);
        Path file = dir.resolve("truncated.safetensors");
        Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length - 100));
        assertThatThrownBy(() -> ClipCheckpoints.load(file, manager))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("truncated");
    }

    @Test
    void pickledStateDictPointsToTheConverter() throws Exception {
        Path file = dir.resolve("open_clip_pytorch_model.bin");
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(file))) {
            zip.putNextEntry(new ZipEntry("archive/data.pkl"));
            zip.write(new byte[] {(byte) 0x80, 2, '.'});
            zip.closeEntry();
            zip.putNextEntry(new ZipEntry("archive/data/0"));
            zip.write(new byte[16]);
            zip.closeEntry();
        }
        assertThatThrownBy(() -> ClipCheckpoints.load(file, manager))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("torch.save")
                .hasMessageContaining("tools/clip/to_safetensors.py");

        Path legacy = dir.resolve("legacy.pt");
        Files.write(legacy, new byte[] {(byte) 0x80, 2, (byte) 0x8a, 10, 0, 0});
        assertThatThrownBy(() -> ClipCheckpoints.load(legacy, manager))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("legacy PyTorch pickle");
    }

    @Test
    void otherFilesAreNeitherFormat() throws Exception {
        Path file = dir.resolve("notes.txt");
        Files.writeString(file, "not a model at all");
        assertThatThrownBy(() -> ClipCheckpoints.load(file, manager))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("neither a safetensors file nor a TorchScript archive");
        assertThatThrownBy(() -> ClipCheckpoints.load(dir.resolve("absent.safetensors"), manager))
                .isInstanceOf(NoSuchFileException.class);
    }

    @Test
    void headsThatCannotBeInferredAskForAConfig() throws Exception {
        Map<String, ClipFixtures.Tensor> t = new LinkedHashMap<>();
        for (Map.Entry<String, ClipFixtures.Tensor> e : hf().entrySet()) {
            t.put(e.getKey(), e.getValue());
        }
        t.put("vision_model.embeddings.class_embedding", zeros(48));
        Path file = write("w48.safetensors", t);
        assertThatThrownBy(() -> ClipCheckpoints.inspect(file))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a multiple of CLIP's head size 64");
        assertThat(file).exists();
    }
}
