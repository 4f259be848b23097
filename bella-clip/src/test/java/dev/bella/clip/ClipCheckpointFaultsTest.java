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

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.bella.testing.FileFaults;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fault suite for CLIP safetensors checkpoints: seeded mutations of the tiny fixtures through
 * {@link ClipCheckpoints#inspect} and {@link ClipCheckpoints#load}, and the hostile headers of
 * issue 10 (absurd layer indices, lying shapes, long names), each refused with an {@link
 * IllegalArgumentException} naming the file, a bounded message and a bounded allocation.
 */
class ClipCheckpointFaultsTest {

    static final int MUTATIONS = 200;
    static final Duration TIMEOUT = Duration.ofSeconds(10);

    /** The fixtures hold about 240 KB; reading one may cost a few times that, never more. */
    static final long MAX_ALLOCATED = 32L << 20;

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

    private Object inspectAndLoad(Path f) throws IOException {
        ClipCheckpointInfo info = ClipCheckpoints.inspect(f);
        try (NDManager m = manager.newSubManager()) {
            ClipCheckpoints.load(f, m);
        }
        return info;
    }

    private void mutate(String fixture, long seed) throws IOException {
        byte[] valid = Files.readAllBytes(ClipFixtures.resource(fixture));
        List<FileFaults.Mutation> ms = FileFaults.mutations(valid, seed, MUTATIONS);
        int refused = 0;
        for (int k = 0; k < ms.size(); k++) {
            FileFaults.Mutation m = ms.get(k);
            Path f = dir.resolve("case-" + k + ".safetensors");
            Files.write(f, m.bytes());
            String name = fixture + " seed " + seed + " case " + k + ": " + m;
            FileFaults.Outcome o =
                    FileFaults.assertCleanFailureOrSuccess(
                            name,
                            () -> inspectAndLoad(f),
                            TIMEOUT,
                            MAX_ALLOCATED,
                            IllegalArgumentException.class,
                            IOException.class);
            if (o.thrown() != null) {
                refused++;
                assertThat(o.thrown().getMessage()).as(name).contains(f.toString());
                assertThat(o.thrown()).as(name).isNotInstanceOf(NumberFormatException.class);
            }
            Files.delete(f);
        }
        assertThat(refused).as("%s: refused", fixture).isGreaterThan(MUTATIONS / 4);
    }

    @Test
    void mutationsOfTheHuggingFaceFixture() throws IOException {
        mutate("tiny_hf_bf16.safetensors", 7001);
    }

    @Test
    void mutationsOfTheOpenAiFixture() throws IOException {
        mutate("tiny_openai_f16.safetensors", 7002);
    }

    // ------------------------------------------------------------------ explicit cases

    private Path withTensor(String name, long... shape) throws IOException {
        Map<String, ClipFixtures.Tensor> t =
                new LinkedHashMap<>(
                        ClipFixtures.read(ClipFixtures.resource("tiny_hf_bf16.safetensors")));
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        t.put(name, new ClipFixtures.Tensor(shape, new float[(int) n]));
        Path f = dir.resolve("extra.safetensors");
        ClipFixtures.write(f, t, "BF16");
        return f;
    }

    private FileFaults.Outcome refused(String what, Path f) {
        FileFaults.Outcome o =
                FileFaults.assertCleanFailureOrSuccess(
                        what,
                        () -> inspectAndLoad(f),
                        TIMEOUT,
                        MAX_ALLOCATED,
                        IllegalArgumentException.class);
        assertThat(o.thrown())
                .as(what)
                .isNotNull()
                .isExactlyInstanceOf(IllegalArgumentException.class);
        assertThat(o.thrown().getMessage())
                .as(what)
                .contains(f.toString())
                .hasSizeLessThanOrEqualTo(2_000);
        assertThat(o.millis()).as("%s: milliseconds", what).isLessThan(5_000);
        return o;
    }

    /** Issue 10: reported as a 20,000-layer model; loading took 26 s, 1 GB, a 26.8 MB message. */
    @Test
    void aTwoByteTensorAtLayer19999IsRefused() throws IOException {
        Path f = withTensor("vision_model.encoder.layers.19999.x", 1);
        FileFaults.Outcome o = refused("layers.19999", f);
        assertThat(o.thrown().getMessage())
                .contains("vision_model.encoder.layers.19999.x")
                .contains("layer index 19999")
                .contains("0 to 999");
    }

    @Test
    void layer999999IsRefused() throws IOException {
        Path f = withTensor("vision_model.encoder.layers.999999.mlp.fc1.bias", 1);
        assertThat(refused("layers.999999", f).thrown().getMessage()).contains("999999");
    }

    /** Issue 10: a bare NumberFormatException. */
    @Test
    void layer99999999999IsRefusedWithoutNumberFormatException() throws IOException {
        Path f = withTensor("vision_model.encoder.layers.99999999999.x", 1);
        assertThat(refused("layers.99999999999", f).thrown().getMessage()).contains("99999999999");
        Path g = withTensor("vision_model.encoder.layers.0000000000000000000001.x", 1);
        refused("leading zeros", g);
    }

    @Test
    void aGapInTheLayersIsNamed() throws IOException {
        Path f = withTensor("vision_model.encoder.layers.40.x", 1);
        assertThat(refused("layers 0, 1 and 40", f).thrown().getMessage())
                .contains("no tensor has layer 2, 3, 4")
                .contains("(38 in all)");
    }

    @Test
    void aLongTensorNameGivesABoundedMessage() throws IOException {
        Path f = withTensor("vision_model." + "x".repeat(100_000), 1);
        assertThat(refused("long name", f).thrown().getMessage()).contains("characters)");
    }

    @Test
    void manyUnexpectedTensorsGiveABoundedMessage() throws IOException {
        Map<String, ClipFixtures.Tensor> t =
                new LinkedHashMap<>(
                        ClipFixtures.read(ClipFixtures.resource("tiny_hf_bf16.safetensors")));
        for (int i = 0; i < 3_000; i++) {
            t.put(
                    "vision_model.encoder.layers.1.extra" + i,
                    new ClipFixtures.Tensor(new long[] {1}, new float[1]));
        }
        Path f = dir.resolve("many.safetensors");
        ClipFixtures.write(f, t, "BF16");
        assertThat(refused("3,000 unexpected", f).thrown().getMessage())
                .contains("(3000 unexpected in all)");
    }

    /** A raw safetensors file: a header of the given entries and {@code data} bytes. */
    private Path raw(String fileName, Map<String, JsonObject> entries, int data)
            throws IOException {
        JsonObject header = new JsonObject();
        entries.forEach(header::add);
        byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
        Path f = dir.resolve(fileName);
        ByteBuffer b = ByteBuffer.allocate(8 + json.length + data).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(json.length).put(json);
        Files.write(f, b.array());
        return f;
    }

    private static JsonObject entry(String dtype, long[] shape, long from, long to) {
        JsonObject t = new JsonObject();
        t.addProperty("dtype", dtype);
        JsonArray s = new JsonArray();
        Arrays.stream(shape).forEach(s::add);
        t.add("shape", s);
        JsonArray r = new JsonArray();
        r.add(from);
        r.add(to);
        t.add("data_offsets", r);
        return t;
    }

    @Test
    void shapesWhoseProductOverflowsAreRefused() throws IOException {
        // 2^32 * 2^32 * 4 bytes wraps to 0 and matches data_offsets [0, 0]
        Map<String, JsonObject> e = new LinkedHashMap<>();
        e.put(
                "vision_model.embeddings.class_embedding",
                entry("F32", new long[] {1L << 32, 1L << 32}, 0, 0));
        Path f = raw("overflow.safetensors", e, 16);
        assertThat(refused("overflowing shape", f).thrown().getMessage())
                .contains("vision_model.embeddings.class_embedding")
                .contains("(4294967296, 4294967296)");
        // a width of 2^40 in a 1-D tensor of zero-size elements is not an int
        Map<String, JsonObject> g = new LinkedHashMap<>();
        g.put(
                "vision_model.embeddings.class_embedding",
                entry("F32", new long[] {0, 1L << 40}, 0, 0));
        refused("zero-size tensor", raw("zero.safetensors", g, 16));
    }

    @Test
    void aBadConfigJsonIsNamed() throws IOException {
        Path sub = Files.createDirectories(dir.resolve("model"));
        Path f = sub.resolve("model.safetensors");
        Files.copy(ClipFixtures.resource("tiny_hf_bf16.safetensors"), f);
        for (String bad : List.of("\"four\"", "1e12", "2.5", "-4")) {
            Files.writeString(
                    sub.resolve("config.json"),
                    "{\"vision_config\": {\"num_attention_heads\": " + bad + "}}");
            FileFaults.Outcome o = refusedNaming("heads " + bad, f, sub.resolve("config.json"));
            assertThat(o.thrown().getMessage()).contains("num_attention_heads").contains(bad);
        }
        Files.writeString(
                sub.resolve("config.json"),
                "{\"vision_config\": {\"num_attention_heads\": 4, \"layer_norm_eps\": \"tiny\"}}");
        refusedNaming("epsilon", f, sub.resolve("config.json"));
    }

    private FileFaults.Outcome refusedNaming(String what, Path f, Path named) {
        FileFaults.Outcome o =
                FileFaults.assertCleanFailureOrSuccess(
                        what,
                        () -> ClipCheckpoints.inspect(f),
                        TIMEOUT,
                        MAX_ALLOCATED,
                        IllegalArgumentException.class);
        assertThat(o.thrown()).as(what).isExactlyInstanceOf(IllegalArgumentException.class);
        assertThat(o.thrown().getMessage()).contains(named.toString());
        return o;
    }
}
