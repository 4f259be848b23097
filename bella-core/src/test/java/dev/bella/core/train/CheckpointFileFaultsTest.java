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
package dev.bella.core.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.SequentialBlock;
import com.google.gson.JsonObject;
import dev.bella.core.AdapterStore;
import dev.bella.core.ParticleBlock;
import dev.bella.core.testing.SafetensorsBytes;
import dev.bella.core.testing.TrainingFixtures;
import dev.bella.testing.FileFaults;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10's hostile checkpoints: the fault suite for the checkpoint manifest and the optimizer
 * state (seeded mutations, each resumed with {@link Checkpoints#resume}), and explicit cases: an
 * F16-relabelled and an F16-converted state, the recorded SHA-256, temporary files of interrupted
 * writes. (The BF16 state, which aborted the JVM, is in {@link NativeDecoderForkTest}.)
 */
class CheckpointFileFaultsTest {

    private static final int CASES = 200;
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final long MAX_ALLOCATED = 64L << 20;
    private static final UpdateRule RULE = TrainingFixtures.ownGradient("own");

    private static final java.util.concurrent.atomic.AtomicReference<Checkpoints.Position> LAST =
            new java.util.concurrent.atomic.AtomicReference<>();

    @TempDir static Path tmp;
    private static NDManager manager;
    private static SequentialBlock base;
    private static Path pristine;
    private static byte[] state;
    private static byte[] manifest;

    @BeforeAll
    static void checkpoint() throws Exception {
        manager = NDManager.newBaseManager();
        base = TrainingFixtures.classifier(manager);
        pristine = tmp.resolve("pristine");
        try (ParticleBlock p = TrainingFixtures.wrap(base, 3)) {
            ParticleTrainer.builder()
                    .setUpdateRule(RULE)
                    .optEpochs(1)
                    .optCheckpointDir(pristine)
                    .build()
                    .fit(p, TrainingFixtures.blobs(manager, 30, 1), null)
                    .close();
        }
        state = Files.readAllBytes(SafetensorsBytes.optimizerState(pristine));
        manifest = Files.readAllBytes(pristine.resolve(AdapterStore.MANIFEST));
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    private static Path fresh(String name) throws IOException {
        Path d = tmp.resolve(name);
        SafetensorsBytes.copyDir(pristine, d);
        return d;
    }

    private static Callable<Object> resume(Path dir) {
        return () -> {
            try (ParticleBlock p = TrainingFixtures.wrap(base, 3);
                    ResumableAdamW adam = ResumableAdamW.builder().build()) {
                TrainingRun run = new TrainingRun(p, adam, RULE, Map.of(), 30, 0, null);
                Checkpoints.Position at = Checkpoints.resume(run, dir, true);
                LAST.set(at);
                return at;
            }
        };
    }

    private static FileFaults.Outcome clean(String name, Path dir) {
        return FileFaults.assertCleanFailureOrSuccess(
                name,
                resume(dir),
                TIMEOUT,
                MAX_ALLOCATED,
                IllegalArgumentException.class,
                IOException.class);
    }

    /** A refusal of malformed content is an IllegalArgumentException naming the checkpoint. */
    private static void strict(FileFaults.Outcome o, String name, Path dir) {
        if (o.thrown() == null) {
            // Accepted: then the position it resumes from is a real one.
            assertThat(LAST.get().epoch()).as(name).isGreaterThanOrEqualTo(0);
            assertThat(LAST.get().step()).as(name).isGreaterThanOrEqualTo(0);
        } else {
            assertThat(o.thrown())
                    .as(name)
                    .isInstanceOfAny(
                            IllegalArgumentException.class, java.nio.file.NoSuchFileException.class)
                    .isNotInstanceOf(NumberFormatException.class)
                    .hasMessageContaining(dir.toString());
        }
    }

    @Test
    void thePristineCheckpointResumesAndRecordsTheStateChecksum() throws Exception {
        Path d = fresh("ok");
        assertThat(clean("pristine", d).thrown()).isNull();
        JsonObject meta =
                SafetensorsBytes.readJson(d.resolve(AdapterStore.MANIFEST))
                        .getAsJsonObject("metadata");
        assertThat(meta.get("optimizer_state_sha256").getAsString())
                .isEqualTo(SafetensorsBytes.sha256(state));
        assertThat(meta.get("optimizer_state_bytes").getAsString())
                .isEqualTo(Integer.toString(state.length));
    }

    @Test
    void mutatedOptimizerStatesFailCleanlyOrResume() throws Exception {
        Path d = tmp.resolve("state-mutations");
        int refused = 0;
        for (FileFaults.Mutation m : FileFaults.mutations(state, 3003, CASES)) {
            SafetensorsBytes.copyDir(pristine, d);
            SafetensorsBytes.replaceOptimizerState(d, m.bytes());
            FileFaults.Outcome o = clean("optimizer state, seed 3003, " + m, d);
            strict(o, m.toString(), d);
            refused += o.thrown() == null ? 0 : 1;
        }
        System.out.printf("optimizer state: %d mutations, %d refused%n", CASES, refused);
        assertThat(refused).isGreaterThan(CASES / 2);
    }

    @Test
    void mutatedCheckpointManifestsFailCleanlyOrResume() throws Exception {
        Path d = tmp.resolve("manifest-mutations");
        int refused = 0;
        for (FileFaults.Mutation m : FileFaults.mutations(manifest, 4004, CASES / 2)) {
            SafetensorsBytes.copyDir(pristine, d);
            Files.write(d.resolve(AdapterStore.MANIFEST), m.bytes());
            refused +=
                    clean("checkpoint manifest bytes, seed 4004, " + m, d).thrown() == null ? 0 : 1;
        }
        // Mutations aimed at the metadata a resume reads: position, step counts, the state file.
        JsonObject valid = SafetensorsBytes.readJson(pristine.resolve(AdapterStore.MANIFEST));
        List<String> keys = new java.util.ArrayList<>();
        for (String k : valid.getAsJsonObject("metadata").keySet()) {
            if (k.startsWith("optimizer")
                    || k.equals("epoch")
                    || k.equals("step")
                    || k.equals("trainer")
                    || k.equals("method")) {
                keys.add(k);
            }
        }
        String[] hostile = {
            "\"-1\"", "\"1.5\"", "\"one\"", "\"\"", "\"99999999999\"", "\"2147483648\"",
            "\"../x\"", "\"/dev/zero\"", "\"NaN\"", "\"-9223372036854775808\"", "7", "null",
            "[]", "{}", "true", "\"0\"", "\"" + "9".repeat(5000) + "\""
        };
        java.util.SplittableRandom rng = new java.util.SplittableRandom(4005);
        for (int i = 0; i < CASES / 2; i++) {
            JsonObject m = valid.deepCopy();
            JsonObject meta = m.getAsJsonObject("metadata");
            String key = keys.get(rng.nextInt(keys.size()));
            String value = hostile[rng.nextInt(hostile.length)];
            if (rng.nextInt(8) == 0) {
                meta.remove(key);
                value = "(removed)";
            } else {
                meta.add(key, com.google.gson.JsonParser.parseString(value));
            }
            SafetensorsBytes.copyDir(pristine, d);
            SafetensorsBytes.writeJson(d.resolve(AdapterStore.MANIFEST), m);
            String name =
                    "checkpoint metadata, seed 4005, case "
                            + i
                            + ": "
                            + key
                            + " = "
                            + value.substring(0, Math.min(value.length(), 40));
            FileFaults.Outcome o = clean(name, d);
            strict(o, name, d);
            refused += o.thrown() == null ? 0 : 1;
        }
        System.out.printf("checkpoint manifest: %d mutations, %d refused%n", CASES, refused);
        assertThat(refused).isGreaterThan(CASES / 2);
    }

    @Test
    void anF16RelabelledStateIsRefused() throws Exception {
        // Relabelled only, with the recorded checksum left as it was: corrupted.
        Path d = fresh("f16-relabel");
        Files.write(SafetensorsBytes.optimizerState(d), SafetensorsBytes.relabel(state, "F16"));
        assertThatThrownBy(() -> resume(d).call())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("optimizer state file")
                .hasMessageContaining("is corrupted: its SHA-256 is");
        // Relabelled, with a matching checksum: its sizes no longer fit its shapes.
        SafetensorsBytes.replaceOptimizerState(d, SafetensorsBytes.relabel(state, "F16"));
        assertThatThrownBy(() -> resume(d).call())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageMatching(
                        "optimizer state file .* tensor '.*exp_avg(_sq)?' of dtype F16 and shape"
                                + " .* needs \\d+ bytes but data_offsets .*");
        // Converted to F16 for real, with a matching checksum: the state is float32.
        SafetensorsBytes.replaceOptimizerState(d, SafetensorsBytes.convert(state, "F16"));
        assertThatThrownBy(() -> resume(d).call())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("has dtype F16, expected one of [F32]");
        // Same size, one flipped value byte: the checksum catches it.
        byte[] flipped = state.clone();
        flipped[flipped.length - 2] ^= 0x40;
        SafetensorsBytes.copyDir(pristine, d);
        Files.write(SafetensorsBytes.optimizerState(d), flipped);
        assertThatThrownBy(() -> resume(d).call())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is corrupted: its SHA-256 is");
    }

    @Test
    void theStateFileNameMustStayInTheFolder() throws Exception {
        Path d = fresh("state-outside");
        Files.write(tmp.resolve("x"), state);
        for (String name : List.of("../x", tmp.resolve("x").toString(), "/dev/zero")) {
            JsonObject m = SafetensorsBytes.readJson(d.resolve(AdapterStore.MANIFEST));
            m.getAsJsonObject("metadata").addProperty("optimizer_state", name);
            SafetensorsBytes.writeJson(d.resolve(AdapterStore.MANIFEST), m);
            FileFaults.Outcome o = clean("optimizer_state " + name, d);
            assertThat(o.thrown())
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("metadata.optimizer_state")
                    .hasMessageContaining("expected the plain name");
        }
    }

    @Test
    void temporaryFilesOfInterruptedWritesAreRemoved() throws Exception {
        Path d = fresh("temporaries");
        Path killed = d.resolve(".optimizer_state-9-.safetensors123.tmp");
        Files.write(killed, new byte[120_000]);
        assertThat(clean("resume with a temporary file", d).thrown()).isNull();
        assertThat(killed).doesNotExist();
        // A save also removes them, and keeps exactly one state file.
        Files.write(killed, new byte[120_000]);
        try (ParticleBlock p = TrainingFixtures.wrap(base, 3)) {
            ParticleTrainer.builder()
                    .setUpdateRule(RULE)
                    .optEpochs(1)
                    .optCheckpointDir(d)
                    .build()
                    .fit(p, TrainingFixtures.blobs(manager, 30, 1), null)
                    .close();
        }
        try (Stream<Path> s = Files.list(d)) {
            assertThat(s.map(f -> f.getFileName().toString()))
                    .noneMatch(n -> n.endsWith(".tmp"))
                    .filteredOn(n -> n.startsWith("optimizer_state-"))
                    .hasSize(1);
        }
    }
}
