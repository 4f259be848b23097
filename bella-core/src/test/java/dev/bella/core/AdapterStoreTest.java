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

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.SequentialBlock;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdapterStoreTest {

    @TempDir Path dir;
    private NDManager manager;
    private SequentialBlock base;
    private BellaConfig config;

    @BeforeEach
    void setUp() {
        manager = NDManager.newBaseManager();
        base = TestModels.mlp(manager, 6, 8, 4);
        config =
                BellaConfig.builder()
                        .optTargets("0", "2")
                        .optParticles(3)
                        .optRank(2)
                        .optBInitStd(0.3)
                        .optSeed(5)
                        .build();
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    private static List<float[]> values(ParticleBlock p) {
        return p.getParticleParameters().values().stream()
                .map(x -> x.getArray().toFloatArray())
                .collect(Collectors.toList());
    }

    private Path dataFile() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(f -> f.getFileName().toString().endsWith(".safetensors"))
                    .findFirst()
                    .orElseThrow();
        }
    }

    @Test
    void roundTripRestoresAdaptersAndOutputs() throws IOException {
        NDArray x = manager.randomNormal(new Shape(2, 6));
        try (ParticleBlock saved = Bella.wrap(base, config)) {
            saved.getLayers(LowRankLinear.class).get("2").getB().getArray().muli(2);
            saved.saveAdapters(dir);
            try (ParticleBlock loaded = Bella.load(dir, base)) {
                assertThat(loaded.getConfig()).isEqualTo(config);
                List<float[]> a = values(saved);
                List<float[]> b = values(loaded);
                for (int i = 0; i < a.size(); i++) {
                    assertThat(b.get(i)).containsExactly(a.get(i));
                }
                assertThat(loaded.predict(new NDList(x)).singletonOrThrow().toFloatArray())
                        .containsExactly(
                                saved.predict(new NDList(x)).singletonOrThrow().toFloatArray());
            }
        }
        JsonObject manifest =
                JsonParser.parseString(Files.readString(dir.resolve(AdapterStore.MANIFEST)))
                        .getAsJsonObject();
        assertThat(manifest.get("format_version").getAsInt()).isEqualTo(1);
        assertThat(manifest.getAsJsonObject("config").get("rank").getAsInt()).isEqualTo(2);
        assertThat(manifest.getAsJsonArray("layers")).hasSize(2);
        assertThat(manifest.get("djl_version").getAsString()).isEqualTo("0.36.0");
        assertThat(manifest.getAsJsonObject("base").getAsJsonArray("parameters")).hasSize(4);
    }

    @Test
    void onlyAdaptersAreStored() throws IOException {
        try (ParticleBlock p = Bella.wrap(base, config)) {
            p.saveAdapters(dir);
        }
        // 3 particles x rank 2 x ((6 + 8) + (8 + 4)) floats, plus a small header.
        long adapterBytes = 3L * 2 * ((6 + 8) + (8 + 4)) * 4;
        assertThat(Files.size(dataFile())).isBetween(adapterBytes, adapterBytes + 1024);
    }

    @Test
    void resaveReplacesTheOldFilesAndLeavesNoTemporaries() throws IOException {
        try (ParticleBlock p = Bella.wrap(base, config)) {
            p.saveAdapters(dir);
            Path first = dataFile();
            p.getLayers(LowRankLinear.class).get("0").getA().getArray().muli(-1);
            p.saveAdapters(dir);
            try (Stream<Path> s = Files.list(dir)) {
                List<String> names =
                        s.map(f -> f.getFileName().toString()).collect(Collectors.toList());
                assertThat(names).hasSize(2).contains(AdapterStore.MANIFEST);
                assertThat(names).doesNotContain(first.getFileName().toString());
            }
            try (ParticleBlock loaded = Bella.load(dir, base)) {
                assertThat(values(loaded).get(0)).containsExactly(values(p).get(0));
            }
        }
    }

    @Test
    void aFailedSaveLeavesThePreviousAdaptersIntact() throws IOException {
        List<float[]> before;
        try (ParticleBlock p = Bella.wrap(base, config)) {
            p.saveAdapters(dir);
            before = values(p);
        }
        // A model whose arrays are freed cannot be encoded: the save fails part-way.
        ParticleBlock broken = Bella.wrap(base, config.toBuilder().optSeed(99).build());
        broken.getBaseFingerprint();
        broken.close();
        assertThatThrownBy(() -> broken.saveAdapters(dir)).isInstanceOf(RuntimeException.class);
        // A crash after the data file was renamed but before the manifest was replaced leaves an
        // orphan data file; simulate that too.
        Files.write(dir.resolve("adapter_model-0123456789abcdef.safetensors"), new byte[] {1, 2});
        Files.write(dir.resolve(".adapter_config-123.tmp"), new byte[] {1});
        try (ParticleBlock loaded = Bella.load(dir, base)) {
            List<float[]> after = values(loaded);
            for (int i = 0; i < before.size(); i++) {
                assertThat(after.get(i)).containsExactly(before.get(i));
            }
            loaded.saveAdapters(dir);
        }
        try (Stream<Path> s = Files.list(dir)) {
            assertThat(s.count()).isEqualTo(2);
        }
    }

    @Test
    void loadingOntoAnotherBaseNamesTheParameter() throws IOException {
        try (ParticleBlock p = Bella.wrap(base, config)) {
            p.saveAdapters(dir);
        }
        SequentialBlock other = TestModels.mlp(manager, 6, 8, 4);
        other.getChildren().get(2).getValue().getParameters().get("weight").getArray().muli(1.5);
        assertThatThrownBy(() -> Bella.load(dir, other))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("different base network")
                .hasMessageContaining("2.weight: same shape, different values");
        SequentialBlock wider = TestModels.mlp(manager, 6, 9, 4);
        assertThatThrownBy(() -> Bella.load(dir, wider))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'0'")
                .hasMessageContaining("[6, 8]")
                .hasMessageContaining("[6, 9]");
    }

    @Test
    void truncatedOrCorruptedDataFilesAreDetected() throws IOException {
        try (ParticleBlock p = Bella.wrap(base, config)) {
            p.saveAdapters(dir);
        }
        Path data = dataFile();
        byte[] bytes = Files.readAllBytes(data);
        Files.write(data, java.util.Arrays.copyOf(bytes, bytes.length - 10));
        assertThatThrownBy(() -> Bella.load(dir, base))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(data.toString())
                .hasMessageContaining("truncated");
        bytes[bytes.length - 3] ^= 0x55;
        Files.write(data, bytes);
        assertThatThrownBy(() -> Bella.load(dir, base))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("corrupted");
        Files.delete(data);
        assertThatThrownBy(() -> Bella.load(dir, base))
                .isInstanceOf(java.nio.file.NoSuchFileException.class)
                .hasMessageContaining("missing");
    }

    @Test
    void foldersSavedUnderTheOldManifestNameStillLoad() throws IOException {
        List<float[]> before;
        try (ParticleBlock p = Bella.wrap(base, config)) {
            p.saveAdapters(dir);
            before = values(p);
        }
        assertThat(dir.resolve("bella_adapter.json")).exists();
        assertThat(dir.resolve("adapter_config.json")).doesNotExist();
        // A folder saved before the manifest was renamed.
        Files.move(dir.resolve(AdapterStore.MANIFEST), dir.resolve("adapter_config.json"));
        assertThat(AdapterStore.manifestFile(dir).getFileName().toString())
                .isEqualTo("adapter_config.json");
        try (ParticleBlock loaded = Bella.load(dir, base)) {
            List<float[]> after = values(loaded);
            for (int i = 0; i < before.size(); i++) {
                assertThat(after.get(i)).containsExactly(before.get(i));
            }
            // Saving again writes the new name and drops the old manifest.
            loaded.saveAdapters(dir);
        }
        assertThat(dir.resolve("bella_adapter.json")).exists();
        assertThat(dir.resolve("adapter_config.json")).doesNotExist();
    }

    @Test
    void aPeftConfigurationIsNotTakenForABellaManifest() throws IOException {
        Files.writeString(
                dir.resolve("adapter_config.json"),
                "{\"peft_type\": \"LORA\", \"r\": 2, \"lora_alpha\": 4}");
        assertThatThrownBy(() -> Bella.load(dir, base))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("PEFT")
                .hasMessageContaining("import-peft");
    }

    @Test
    void malformedOrNewerManifestsAreRejected() throws IOException {
        try (ParticleBlock p = Bella.wrap(base, config)) {
            p.saveAdapters(dir);
        }
        Path manifest = dir.resolve(AdapterStore.MANIFEST);
        String text = Files.readString(manifest);
        Files.writeString(manifest, text.replace("\"format_version\": 1", "\"format_version\": 7"));
        assertThatThrownBy(() -> Bella.load(dir, base))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("format version 7")
                .hasMessageContaining("upgrade");
        Files.writeString(manifest, text.substring(0, text.length() / 2));
        assertThatThrownBy(() -> Bella.load(dir, base))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(manifest.toString());
        // A missing file is a NoSuchFileException (docs/architecture.md, "Exceptions").
        Files.delete(manifest);
        assertThatThrownBy(() -> Bella.load(dir, base))
                .isInstanceOf(java.nio.file.NoSuchFileException.class)
                .hasMessageContaining("no adapter manifest");
    }

    @Test
    void resumingIntoAnotherConfigurationIsRejected() throws IOException {
        try (ParticleBlock p = Bella.wrap(base, config)) {
            p.saveAdapters(dir);
        }
        try (ParticleBlock other = Bella.wrap(base, config.toBuilder().optRank(3).build())) {
            assertThatThrownBy(() -> other.loadAdapters(dir))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("rank 2")
                    .hasMessageContaining("rank 3");
        }
        try (ParticleBlock other = Bella.wrap(base, config.toBuilder().optParticles(4).build())) {
            assertThatThrownBy(() -> other.loadAdapters(dir))
                    .hasMessageContaining("3 particles")
                    .hasMessageContaining("4 particles");
        }
    }

    @Test
    void nanInSavedAdaptersIsRejectedOnLoad() throws IOException {
        try (ParticleBlock p = Bella.wrap(base, config)) {
            p.getLayers(LowRankLinear.class).get("2").getB().getArray().set(new float[3 * 2 * 4]);
            NDArray b = p.getLayers(LowRankLinear.class).get("2").getB().getArray();
            float[] v = b.toFloatArray();
            v[5] = Float.NaN;
            b.set(v);
            p.saveAdapters(dir);
        }
        assertThatThrownBy(() -> Bella.load(dir, base))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'2.lora_B'")
                .hasMessageContaining("NaN");
    }

    @Test
    void float16HalvesTheFileAndRoundsEachValueToHalfPrecision() throws IOException {
        Path f32 = dir.resolve("f32");
        Path f16 = dir.resolve("f16");
        BellaConfig withHead =
                BellaConfig.builder()
                        .optTargets("0")
                        .optFullRankTargets("2")
                        .optParticles(3)
                        .optRank(2)
                        .optBInitStd(0.3)
                        .optFullRankInitStd(0.1)
                        .optSeed(5)
                        .build();
        try (ParticleBlock saved = Bella.wrap(base, withHead)) {
            saved.getLayers(LowRankLinear.class).get("0").getB().getArray().muli(1000);
            saved.saveAdapters(f32);
            saved.saveAdapters(f16, DataType.FLOAT16);
            // safetensors: an 8-byte little-endian header length, the JSON header, the data.
            long data32 = safetensorsDataBytes(onlySafetensors(f32));
            long data16 = safetensorsDataBytes(onlySafetensors(f16));
            long values = saved.summary().trainableTotal();
            assertThat(data32).isEqualTo(4 * values);
            assertThat(data16).isEqualTo(2 * values);
            assertThat(Files.readString(f16.resolve(AdapterStore.MANIFEST))).contains("float16");
            List<float[]> original = values(saved);
            try (ParticleBlock loaded = Bella.load(f16, base)) {
                List<float[]> back = values(loaded);
                assertThat(
                                loaded.getParticleParameters()
                                        .values()
                                        .iterator()
                                        .next()
                                        .getArray()
                                        .getDataType())
                        .isEqualTo(DataType.FLOAT32);
                boolean anyRounded = false;
                for (int i = 0; i < original.size(); i++) {
                    for (int j = 0; j < original.get(i).length; j++) {
                        float v = original.get(i)[j];
                        float w = back.get(i)[j];
                        // IEEE half precision: 11 significant bits for normal numbers, a spacing
                        // of 2^-24 below 2^-14.
                        double bound = Math.max(Math.abs(v) * Math.pow(2, -11), Math.pow(2, -25));
                        assertThat((double) Math.abs(w - v))
                                .as("tensor %d value %d: %s -> %s", i, j, v, w)
                                .isLessThanOrEqualTo(bound);
                        anyRounded |= w != v;
                    }
                }
                assertThat(anyRounded).as("float16 must actually round something").isTrue();
            }
            // A value beyond float16's range is refused before anything is written.
            saved.getLayers(LowRankLinear.class)
                    .get("0")
                    .getA()
                    .getArray()
                    .set(new NDIndex("0, 0, 0"), 1e6f);
            assertThatThrownBy(() -> saved.saveAdapters(f16, DataType.FLOAT16))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("0.lora_A")
                    .hasMessageContaining("1000000");
            assertThatThrownBy(() -> saved.saveAdapters(f16, DataType.INT8))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("int8");
            try (ParticleBlock loaded = Bella.load(f16, base)) {
                assertThat(values(loaded).get(0)[0]).isNotEqualTo(1e6f);
            }
        }
    }

    private static long safetensorsDataBytes(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        long header =
                java.nio.ByteBuffer.wrap(bytes, 0, 8)
                        .order(java.nio.ByteOrder.LITTLE_ENDIAN)
                        .getLong();
        return bytes.length - 8 - header;
    }

    private static Path onlySafetensors(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            List<Path> files =
                    s.filter(f -> f.getFileName().toString().endsWith(".safetensors"))
                            .collect(Collectors.toList());
            assertThat(files).hasSize(1);
            return files.get(0);
        }
    }

    @Test
    void metadataIsKept() throws IOException {
        try (ParticleBlock p = Bella.wrap(base, config)) {
            AdapterStore.save(p, dir, Map.of("step", "12"));
        }
        assertThat(AdapterStore.readManifest(dir).metadata()).containsEntry("step", "12");
        assertThat(Files.readString(dir.resolve(AdapterStore.MANIFEST), StandardCharsets.UTF_8))
                .contains("\"library_version\"");
    }
}
