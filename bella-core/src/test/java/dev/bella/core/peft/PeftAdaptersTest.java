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
package dev.bella.core.peft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.bella.core.LowRankLinear;
import dev.bella.core.ParticleBlock;
import dev.bella.metrics.io.SafetensorsHeader;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PEFT adapters in and out, on the fixtures of {@code tools/peft/make_fixtures.py}: a PyTorch
 * {@code Sequential(Linear(6, 8), ReLU(), Linear(8, 4))} base, two rank-2 adapters (alpha 3) on
 * modules {@code 0} and {@code 2}, and numpy's float64 predictions of each and of their soup.
 */
class PeftAdaptersTest {

    @TempDir Path tmp;
    private Path fixtures;
    private NDManager manager;
    private SequentialBlock base;
    private Map<String, float[]> reference;

    @BeforeEach
    void setUp() throws IOException, URISyntaxException {
        fixtures = Path.of(getClass().getResource("/dev/bella/core/peft").toURI());
        manager = NDManager.newBaseManager();
        base =
                new SequentialBlock()
                        .add(Linear.builder().setUnits(8).build())
                        .add(Activation::relu)
                        .add(Linear.builder().setUnits(4).build());
        base.initialize(manager, DataType.FLOAT32, new Shape(1, 6));
        Map<String, float[]> weights = readAll(fixtures.resolve("base.safetensors"));
        dev.bella.core.LayerPaths.walk(base)
                .forEach(
                        (path, block) -> {
                            if (block instanceof Linear) {
                                for (String kind : List.of("weight", "bias")) {
                                    float[] v = weights.get(path + "." + kind);
                                    block.getParameters()
                                            .get(kind)
                                            .getArray()
                                            .set(java.nio.FloatBuffer.wrap(v));
                                }
                            }
                        });
        reference = readAll(fixtures.resolve("reference.safetensors"));
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    private static Map<String, float[]> readAll(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            SafetensorsHeader h = SafetensorsHeader.read(ch, file, "fixture");
            Map<String, float[]> out = new LinkedHashMap<>();
            for (String name : h.tensors().keySet()) {
                out.put(name, h.readFloats(ch, name));
            }
            return out;
        }
    }

    private static Map<String, long[]> shapes(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            Map<String, long[]> out = new LinkedHashMap<>();
            SafetensorsHeader.read(ch, file, "fixture")
                    .tensors()
                    .forEach((k, t) -> out.put(k, t.shape()));
            return out;
        }
    }

    /** Each particle's predictions, {@code (n, 5, 4)} flattened per particle. */
    private float[][] predict(ParticleBlock model) {
        try (NDManager scope = manager.newSubManager()) {
            NDArray x = scope.create(reference.get("x"), new Shape(5, 6));
            NDArray y = model.predict(new NDList(x)).singletonOrThrow();
            int n = model.getParticleCount();
            float[][] out = new float[n][];
            for (int i = 0; i < n; i++) {
                out[i] = y.get(i).toFloatArray();
            }
            return out;
        }
    }

    private static void assertClose(float[] actual, float[] expected) {
        assertThat(actual).hasSameSizeAs(expected);
        for (int i = 0; i < expected.length; i++) {
            assertThat(actual[i]).as("element %d", i).isCloseTo(expected[i], within(1e-4f));
        }
    }

    private PeftAdapter adapter(String name) throws IOException {
        return PeftAdapter.read(fixtures.resolve(name));
    }

    @Test
    void anImportedParticlePredictsWhatPeftsFormulaPredicts() throws IOException {
        try (ParticleBlock p =
                PeftAdapters.importParticles(
                        base, List.of(adapter("adapter_a")), PeftNameMap.IDENTITY)) {
            assertThat(p.getParticleCount()).isEqualTo(1);
            assertThat(p.getLayers().keySet()).containsExactly("0", "2");
            assertClose(predict(p)[0], reference.get("y_a"));
        }
    }

    @Test
    void theMergedWeightIsW0PlusScaleTimesBA() throws IOException {
        // Plain Java arithmetic: W0 + (alpha / r) lora_B lora_A, (out, in), against Bella's merge.
        PeftAdapter a = adapter("adapter_a");
        PeftAdapter.Lora l = a.modules().get("2");
        float[] w0 = readAll(fixtures.resolve("base.safetensors")).get("2.weight");
        double s = a.config().scale();
        assertThat(s).isEqualTo(1.5);
        try (ParticleBlock p =
                        PeftAdapters.importParticles(base, List.of(a), PeftNameMap.IDENTITY);
                NDArray merged = p.getLayers(LowRankLinear.class).get("2").mergedWeight(0)) {
            assertThat(merged.getShape()).isEqualTo(new Shape(4, 8));
            float[] m = merged.toFloatArray();
            for (int o = 0; o < 4; o++) {
                for (int i = 0; i < 8; i++) {
                    double d = 0;
                    for (int k = 0; k < 2; k++) {
                        d += l.b()[o * 2 + k] * l.a()[k * 8 + i];
                    }
                    assertThat((double) m[o * 8 + i])
                            .isCloseTo(w0[o * 8 + i] + s * d, within(1e-5));
                }
            }
        }
    }

    @Test
    void nAdaptersAreTheNParticlesOfAnEnsembleAndTheirSoupExportsExactly() throws IOException {
        try (ParticleBlock p =
                PeftAdapters.importParticles(
                        base,
                        List.of(adapter("adapter_a"), adapter("adapter_b")),
                        PeftNameMap.IDENTITY)) {
            float[][] y = predict(p);
            assertClose(y[0], reference.get("y_a"));
            assertClose(y[1], reference.get("y_b"));
            PeftAdapter soup = PeftAdapters.exportSoup(p, PeftNameMap.IDENTITY, "tiny-mlp");
            assertThat(soup.config().r()).isEqualTo(4);
            assertThat(soup.config().scale()).isEqualTo(0.75);
            soup.write(tmp.resolve("soup"));
            try (ParticleBlock back =
                    PeftAdapters.importParticles(
                            base,
                            List.of(PeftAdapter.read(tmp.resolve("soup"))),
                            PeftNameMap.IDENTITY)) {
                assertClose(predict(back)[0], reference.get("y_soup"));
            }
        }
    }

    @Test
    void peftFilesToParticlesToPeftFilesGiveIdenticalTensors() throws IOException {
        try (ParticleBlock p =
                PeftAdapters.importParticles(
                        base,
                        List.of(adapter("adapter_a"), adapter("adapter_b")),
                        PeftNameMap.IDENTITY)) {
            for (int i = 0; i < 2; i++) {
                String name = i == 0 ? "adapter_a" : "adapter_b";
                Path out = tmp.resolve("out_" + i);
                PeftAdapters.exportParticle(p, i, PeftNameMap.IDENTITY, "tiny-mlp").write(out);
                Path original = fixtures.resolve(name).resolve(PeftAdapter.TENSORS_FILE);
                Path written = out.resolve(PeftAdapter.TENSORS_FILE);
                Map<String, float[]> expected = readAll(original);
                Map<String, float[]> actual = readAll(written);
                assertThat(actual.keySet()).isEqualTo(expected.keySet());
                expected.forEach((k, v) -> assertThat(actual.get(k)).as(k).containsExactly(v));
                Map<String, long[]> shapes = shapes(written);
                shapes(original)
                        .forEach((k, v) -> assertThat(shapes.get(k)).as(k).containsExactly(v));
                JsonObject config =
                        JsonParser.parseString(Files.readString(out.resolve("adapter_config.json")))
                                .getAsJsonObject();
                assertThat(config.get("peft_type").getAsString()).isEqualTo("LORA");
                assertThat(config.get("r").getAsInt()).isEqualTo(2);
                assertThat(config.get("lora_alpha").getAsDouble()).isEqualTo(3.0);
                assertThat(config.get("base_model_name_or_path").getAsString())
                        .isEqualTo("tiny-mlp");
                try (Stream<Path> files = Files.list(out)) {
                    assertThat(files.map(f -> f.getFileName().toString()))
                            .containsExactlyInAnyOrder(
                                    "adapter_config.json", "adapter_model.safetensors");
                }
            }
        }
    }

    @Test
    void halfPrecisionFactorsAreConvertedInJava() throws IOException {
        try (ParticleBlock p =
                PeftAdapters.importParticles(
                        base, List.of(adapter("adapter_b_f16")), PeftNameMap.IDENTITY)) {
            float[] y = predict(p)[0];
            float[] expected = reference.get("y_b");
            for (int i = 0; i < y.length; i++) {
                assertThat(y[i]).isCloseTo(expected[i], within(2e-2f));
            }
        }
    }

    // ---- bad inputs: each an IllegalArgumentException naming the value and what was expected

    private Path copyOf(String name) throws IOException {
        Path dir = tmp.resolve("copy_" + name);
        Files.createDirectories(dir);
        for (String f : List.of("adapter_config.json", "adapter_model.safetensors")) {
            Files.copy(fixtures.resolve(name).resolve(f), dir.resolve(f));
        }
        return dir;
    }

    private void editConfig(Path dir, String from, String to) throws IOException {
        Path f = dir.resolve("adapter_config.json");
        String text = Files.readString(f);
        assertThat(text).contains(from);
        Files.writeString(f, text.replace(from, to));
    }

    @Test
    void anUnknownPeftTypeIsRefused() throws IOException {
        Path dir = copyOf("adapter_a");
        editConfig(dir, "\"LORA\"", "\"IA3\"");
        assertThatThrownBy(() -> PeftAdapter.read(dir))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("peft_type is 'IA3'")
                .hasMessageContaining("expected 'LORA'");
    }

    @Test
    void unsupportedOptionsAreRefusedByName() throws IOException {
        Path dir = copyOf("adapter_a");
        editConfig(dir, "\"use_dora\": false", "\"use_dora\": true");
        assertThatThrownBy(() -> PeftAdapter.read(dir))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("use_dora is true")
                .hasMessageContaining("DoRA");
        Path bias = copyOf("adapter_b");
        editConfig(bias, "\"bias\": \"none\"", "\"bias\": \"all\"");
        assertThatThrownBy(() -> PeftAdapter.read(bias))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("bias is 'all'");
    }

    @Test
    void aRankThatDisagreesWithTheTensorsIsRefused() throws IOException {
        Path dir = copyOf("adapter_a");
        editConfig(dir, "\"r\": 2", "\"r\": 3");
        assertThatThrownBy(() -> PeftAdapter.read(dir))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("lora_A.weight has shape (2, 6)")
                .hasMessageContaining("expected (r, in) with r = 3");
        editConfig(dir, "\"r\": 3", "\"r\": 0");
        assertThatThrownBy(() -> PeftAdapter.read(dir))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("r should be a positive integer but the value passed is 0");
    }

    @Test
    void aMissingOrStrayTensorIsRefused() throws IOException {
        PeftAdapter a = adapter("adapter_a");
        Map<String, float[]> tensors =
                readAll(fixtures.resolve("adapter_a/adapter_model.safetensors"));
        Map<String, long[]> shapes =
                shapes(fixtures.resolve("adapter_a/adapter_model.safetensors"));
        Path dir = copyOf("adapter_a");
        Path file = dir.resolve(PeftAdapter.TENSORS_FILE);
        Map<String, float[]> missing = new java.util.TreeMap<>(tensors);
        missing.remove("base_model.model.2.lora_B.weight");
        Files.write(file, PeftAdapter.safetensors(missing, shapes));
        assertThatThrownBy(() -> PeftAdapter.read(dir))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("module '2' has no tensor")
                .hasMessageContaining("base_model.model.2.lora_B.weight");
        Map<String, float[]> stray = new java.util.TreeMap<>(tensors);
        stray.put("base_model.model.0.lora_embedding_A", new float[] {1});
        shapes.put("base_model.model.0.lora_embedding_A", new long[] {1});
        Files.write(file, PeftAdapter.safetensors(stray, shapes));
        assertThatThrownBy(() -> PeftAdapter.read(dir))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("lora_embedding_A")
                .hasMessageContaining("base_model.model.<module>.lora_A.weight");
        assertThat(a.modules()).containsOnlyKeys("0", "2");
    }

    @Test
    void aModuleThatIsNotInTheBaseIsRefused() throws IOException {
        PeftAdapter a = adapter("adapter_a");
        PeftNameMap renamed =
                new PeftNameMap() {
                    @Override
                    public String toBella(String m) {
                        return m.equals("2") ? "classifier" : m;
                    }

                    @Override
                    public String toPeft(String p) {
                        return p;
                    }
                };
        assertThatThrownBy(() -> PeftAdapters.importParticles(base, List.of(a), renamed))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("PEFT module '2' (layer 'classifier') is not in the base")
                .hasMessageContaining("[0, 2]");
        PeftNameMap swapped =
                new PeftNameMap() {
                    @Override
                    public String toBella(String m) {
                        return m.equals("2") ? "0" : "2";
                    }

                    @Override
                    public String toPeft(String p) {
                        return p;
                    }
                };
        assertThatThrownBy(() -> PeftAdapters.importParticles(base, List.of(a), swapped))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("PEFT module '0' has lora_A (2, 6) and lora_B (8, 2)")
                .hasMessageContaining("expected in = 8, out = 4");
    }

    @Test
    void adaptersOfDifferentRankOrScaleAreNotOneEnsemble() throws IOException {
        Path dir = copyOf("adapter_b");
        editConfig(dir, "\"lora_alpha\": 3.0", "\"lora_alpha\": 5.0");
        PeftAdapter b = PeftAdapter.read(dir);
        assertThatThrownBy(
                        () ->
                                PeftAdapters.importParticles(
                                        base,
                                        List.of(adapter("adapter_a"), b),
                                        PeftNameMap.IDENTITY))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("adapter 1 has r = 2, scale 2.5")
                .hasMessageContaining("adapter 0 has r = 2, scale 1.5");
        assertThatThrownBy(
                        () -> PeftAdapters.importParticles(base, List.of(), PeftNameMap.IDENTITY))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("adapters is empty");
    }

    @Test
    void aParticleOutOfRangeIsRefused() throws IOException {
        try (ParticleBlock p =
                PeftAdapters.importParticles(
                        base, List.of(adapter("adapter_a")), PeftNameMap.IDENTITY)) {
            assertThatThrownBy(() -> PeftAdapters.exportParticle(p, 1, PeftNameMap.IDENTITY, null))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("particle 1 does not exist, expected 0 to 0");
        }
    }

    @Test
    void missingFilesAreNoSuchFile() {
        assertThatThrownBy(() -> PeftAdapter.read(tmp))
                .isInstanceOf(java.nio.file.NoSuchFileException.class)
                .hasMessageContaining("no PEFT adapter configuration");
    }
}
