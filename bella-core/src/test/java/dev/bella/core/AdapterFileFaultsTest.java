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
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.SequentialBlock;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.bella.core.testing.SafetensorsBytes;
import dev.bella.testing.FileFaults;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10's hostile adapter directories: the fault suite for the adapter data file and the
 * manifest (seeded mutations, each loaded with {@link Bella#load}), and one explicit test per case
 * the issue lists. A mutated data file is "rehashed" (the manifest's size and SHA-256 rewritten to
 * match) so that it passes the integrity check and reaches the parser, as a careless or hostile
 * user's consistent pair would.
 */
class AdapterFileFaultsTest {

    /** Mutations per file kind. */
    static final int CASES = 200;

    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final long MAX_ALLOCATED = 64L << 20;

    @TempDir Path tmp;
    private Path dir;
    private NDManager manager;
    private SequentialBlock base;
    private byte[] data;
    private byte[] manifest;

    @BeforeEach
    void setUp() throws IOException {
        manager = NDManager.newBaseManager();
        base = TestModels.mlp(manager, 6, 8, 4);
        dir = tmp.resolve("adapters");
        try (ParticleBlock p =
                Bella.wrap(
                        base,
                        BellaConfig.builder()
                                .optTargets("0", "2")
                                .optParticles(3)
                                .optRank(2)
                                .optBInitStd(0.3)
                                .optSeed(5)
                                .build())) {
            p.saveAdapters(dir);
        }
        data = Files.readAllBytes(SafetensorsBytes.adapterData(dir));
        manifest = Files.readAllBytes(dir.resolve(AdapterStore.MANIFEST));
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    private Callable<Object> load() {
        return () -> {
            try (ParticleBlock p = Bella.load(dir, base)) {
                return p.getParticleCount();
            }
        };
    }

    private FileFaults.Outcome clean(String name) {
        return FileFaults.assertCleanFailureOrSuccess(
                name,
                load(),
                TIMEOUT,
                MAX_ALLOCATED,
                IllegalArgumentException.class,
                IOException.class);
    }

    /**
     * The stricter property for content the loader must understand: a refusal is an {@link
     * IllegalArgumentException} (malformed content, not a bare NumberFormatException or an
     * IOException from a decoder), or a NoSuchFileException for a file name bent to a missing one,
     * whose message names the adapter directory's file.
     */
    private void strict(FileFaults.Outcome o, String name) {
        if (o.thrown() != null) {
            assertThat(o.thrown())
                    .as(name)
                    .isInstanceOfAny(
                            IllegalArgumentException.class, java.nio.file.NoSuchFileException.class)
                    .isNotInstanceOf(NumberFormatException.class)
                    .hasMessageContaining(dir.toString());
        }
    }

    private void restore() throws IOException {
        Files.write(dir.resolve(AdapterStore.MANIFEST), manifest);
        Files.write(SafetensorsBytes.adapterData(dir), data);
    }

    private JsonObject manifestJson() throws IOException {
        return SafetensorsBytes.readJson(dir.resolve(AdapterStore.MANIFEST));
    }

    private void writeManifest(JsonObject m) throws IOException {
        SafetensorsBytes.writeJson(dir.resolve(AdapterStore.MANIFEST), m);
    }

    private void setDataFile(String name) throws IOException {
        JsonObject m = manifestJson();
        m.getAsJsonObject("tensors").addProperty("file", name);
        writeManifest(m);
    }

    // ---- the fault suite -------------------------------------------------------------------

    @Test
    void mutatedDataFilesFailCleanlyOrLoad() throws IOException {
        int refused = 0;
        long worst = 0;
        for (FileFaults.Mutation m : FileFaults.mutations(data, 1001, CASES)) {
            restore();
            SafetensorsBytes.replaceAdapterData(dir, m.bytes());
            FileFaults.Outcome o = clean("adapter data, seed 1001, " + m);
            strict(o, m.toString());
            refused += o.thrown() == null ? 0 : 1;
            worst = Math.max(worst, o.allocatedBytes());
        }
        System.out.printf(
                "adapter data: %d mutations, %d refused, max %d bytes allocated%n",
                CASES, refused, worst);
        assertThat(refused).isGreaterThan(CASES / 2);
    }

    @Test
    void mutatedManifestsFailCleanlyOrLoad() throws IOException {
        int refused = 0;
        for (FileFaults.Mutation m : FileFaults.mutations(manifest, 2002, CASES)) {
            restore();
            Files.write(dir.resolve(AdapterStore.MANIFEST), m.bytes());
            FileFaults.Outcome o = clean("manifest bytes, seed 2002, " + m);
            strict(o, m.toString());
            refused += o.thrown() == null ? 0 : 1;
        }
        restore();
        JsonObject valid = manifestJson();
        List<String> structural = SafetensorsBytes.jsonMutations(valid, 2003, CASES);
        for (int i = 0; i < structural.size(); i++) {
            restore();
            Files.writeString(dir.resolve(AdapterStore.MANIFEST), structural.get(i));
            refused +=
                    clean("manifest JSON, seed 2003, case " + i + ": " + structural.get(i)).thrown()
                                    == null
                            ? 0
                            : 1;
        }
        System.out.printf("adapter manifest: %d mutations, %d refused%n", 2 * CASES, refused);
        assertThat(refused).isGreaterThan(CASES);
    }

    // ---- JVM abort on BF16: see train.NativeDecoderForkTest (forked JVM) --------------------

    // ---- the manifest can name any path ----------------------------------------------------

    @Test
    void aDataFileOutsideTheFolderIsRefusedByName() throws IOException {
        Path outside = tmp.resolve("x");
        Files.write(outside, data);
        for (String name : List.of("../x", outside.toString(), "sub/x", "..", ".", "")) {
            setDataFile(name);
            assertThatThrownBy(() -> Bella.load(dir, base))
                    .as(name)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("tensors.file")
                    .hasMessageContaining("expected the plain name of a file in " + dir);
        }
    }

    @Test
    void devZeroAndEtcPasswdAreNeverRead() throws IOException {
        for (String name :
                List.of("/dev/zero", "../../../../../../../../etc/passwd", "/etc/passwd")) {
            setDataFile(name);
            FileFaults.Outcome o = clean(name);
            assertThat(o.thrown()).isInstanceOf(IllegalArgumentException.class);
            assertThat(o.thrown().getMessage())
                    .contains("expected the plain name")
                    .doesNotContain("SHA-256");
            assertThat(o.allocatedBytes()).isLessThan(8L << 20);
        }
        // Symbolic links in the folder that lead out of it.
        for (String target : List.of("/dev/zero", "/etc/passwd")) {
            assumeTrue(Files.exists(Path.of(target)));
            Path link = dir.resolve("adapter_model-link.safetensors");
            Files.deleteIfExists(link);
            Files.createSymbolicLink(link, Path.of(target));
            setDataFile(link.getFileName().toString());
            FileFaults.Outcome o = clean("link to " + target);
            assertThat(o.thrown())
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("leads outside the adapter directory");
            assertThat(o.thrown().getMessage()).doesNotContain("SHA-256");
        }
    }

    @Test
    void aFifoNeverBlocks() throws Exception {
        Path fifo = dir.resolve("adapter_model-fifo.safetensors");
        assumeTrue(mkfifo(fifo), "mkfifo is not available");
        setDataFile(fifo.getFileName().toString());
        FileFaults.Outcome o = clean("FIFO data file");
        assertThat(o.thrown())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("FIFO")
                .hasMessageContaining("expected a regular file");
        assertThat(o.millis()).isLessThan(5_000);
        // A FIFO in place of the manifest does not block either.
        restore();
        Path other = tmp.resolve("fifo-manifest");
        Files.createDirectories(other);
        assumeTrue(mkfifo(other.resolve(AdapterStore.MANIFEST)));
        FileFaults.Outcome m =
                FileFaults.assertCleanFailureOrSuccess(
                        "FIFO manifest",
                        () -> Bella.load(other, base),
                        TIMEOUT,
                        MAX_ALLOCATED,
                        IllegalArgumentException.class);
        assertThat(m.thrown()).hasMessageContaining("expected a regular file");
    }

    static boolean mkfifo(Path p) throws InterruptedException {
        try {
            Process proc =
                    new ProcessBuilder("mkfifo", p.toString()).redirectErrorStream(true).start();
            return proc.waitFor() == 0 && Files.exists(p);
        } catch (IOException e) {
            return false;
        }
    }

    @Test
    void aDataFileLargerThanTheManifestSaysIsRefusedBeforeReading() throws IOException {
        Path f = SafetensorsBytes.adapterData(dir);
        Files.write(f, new byte[1 << 20], java.nio.file.StandardOpenOption.APPEND);
        FileFaults.Outcome o = clean("data file 1 MB longer");
        assertThat(o.thrown()).hasMessageContaining("too long");
        assertThat(o.allocatedBytes()).isLessThan(1L << 20);
    }

    // ---- validate before allocating --------------------------------------------------------

    @Test
    void aHeaderLengthOf2To31Minus3IsRefusedWithoutAllocating() throws IOException {
        byte[] b = data.clone();
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong((1L << 31) - 3);
        SafetensorsBytes.replaceAdapterData(dir, b);
        FileFaults.Outcome o = clean("header length 2^31-3");
        assertThat(o.thrown())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("header length 2147483645")
                .hasMessageContaining("does not fit the file of " + b.length + " bytes");
        assertThat(o.allocatedBytes()).isLessThan(8L << 20);
    }

    @Test
    void anOffsetOf5000000384IsNotNarrowed() throws IOException {
        String name = SafetensorsBytes.tensorNames(data).get(0);
        SafetensorsBytes.replaceAdapterData(
                dir,
                SafetensorsBytes.withHeader(
                        data,
                        h -> {
                            JsonArray r = h.getAsJsonObject(name).getAsJsonArray("data_offsets");
                            r.set(1, new com.google.gson.JsonPrimitive(5_000_000_384L));
                            return h;
                        }));
        FileFaults.Outcome o = clean("offset 5,000,000,384");
        assertThat(o.thrown())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'" + name + "'")
                .hasMessageContaining("ends at byte 5000000384")
                .hasMessageNotContaining("705033088");
    }

    @Test
    void reversedOffsetsAreNamed() throws IOException {
        String name = SafetensorsBytes.tensorNames(data).get(1);
        SafetensorsBytes.replaceAdapterData(
                dir,
                SafetensorsBytes.withHeader(
                        data,
                        h -> {
                            JsonArray r = h.getAsJsonObject(name).getAsJsonArray("data_offsets");
                            JsonArray rev = new JsonArray();
                            rev.add(r.get(1));
                            rev.add(r.get(0));
                            h.getAsJsonObject(name).add("data_offsets", rev);
                            return h;
                        }));
        assertThatThrownBy(() -> Bella.load(dir, base))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'" + name + "'")
                .hasMessageContaining("reversed")
                .hasMessageNotContaining("null");
    }

    @Test
    void aMillionParticlesInTheManifestAreRefusedInMilliseconds() throws IOException {
        JsonObject m = manifestJson();
        m.getAsJsonObject("config").addProperty("particles", 1_000_000);
        writeManifest(m);
        FileFaults.Outcome o = clean("particles: 1000000");
        assertThat(o.thrown())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("1000000 particles")
                .hasMessageContaining("expected (1000000, ");
        assertThat(o.allocatedBytes()).isLessThan(16L << 20);
        assertThat(o.millis()).isLessThan(2_000);
    }

    // ---- unclear messages ------------------------------------------------------------------

    @Test
    void aWordForTheFormatVersionIsNamed() throws IOException {
        JsonObject m = manifestJson();
        m.addProperty("format_version", "one");
        writeManifest(m);
        assertThatThrownBy(() -> Bella.load(dir, base))
                .isInstanceOf(IllegalArgumentException.class)
                .isNotInstanceOf(NumberFormatException.class)
                .hasMessageContaining(dir.resolve(AdapterStore.MANIFEST).toString())
                .hasMessageContaining("'format_version' is \"one\", expected an integer");
    }

    @Test
    void aBinaryManifestIsNamedAsSuch() throws IOException {
        byte[] binary = new byte[300];
        new java.util.Random(7).nextBytes(binary);
        binary[0] = (byte) 0xff;
        Files.write(dir.resolve(AdapterStore.MANIFEST), binary);
        assertThatThrownBy(() -> Bella.load(dir, base))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(dir.resolve(AdapterStore.MANIFEST).toString())
                .hasMessageContaining("is not UTF-8 text: byte 0 is 0xff")
                .hasMessageNotContaining("Input length");
        // Not UTF-8 inside the data file's header either.
        restore();
        byte[] h = data.clone();
        h[9] = (byte) 0xc3;
        h[10] = (byte) 0x28;
        SafetensorsBytes.replaceAdapterData(dir, h);
        assertThatThrownBy(() -> Bella.load(dir, base))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("header is not valid UTF-8");
    }

    @Test
    void messagesStayBoundedForHugeNames() throws IOException {
        String huge = "n".repeat(100_000);
        JsonObject m = manifestJson();
        m.getAsJsonObject("tensors").addProperty("file", huge);
        writeManifest(m);
        assertThat(clean("huge file name").thrown().getMessage()).contains("(100000 characters)");
        restore();
        String name = SafetensorsBytes.tensorNames(data).get(0);
        SafetensorsBytes.replaceAdapterData(
                dir,
                SafetensorsBytes.withHeader(
                        data,
                        h -> {
                            h.add(huge, h.remove(name));
                            return h;
                        }));
        assertThat(clean("huge tensor name").thrown()).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void f16AdaptersStillLoad() throws IOException {
        SafetensorsBytes.replaceAdapterData(dir, SafetensorsBytes.convert(data, "F16"));
        try (ParticleBlock p = Bella.load(dir, base)) {
            assertThat(p.getParticleCount()).isEqualTo(3);
        }
    }
}
