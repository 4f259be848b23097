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

import dev.bella.testing.FileFaults;
import dev.bella.testing.ForkedJvm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fault suite for TorchScript archives: they reach DJL's native loader, so the mutations run in
 * a forked JVM ({@link TorchScriptProbe}) whose exit code must not be an abort (134) and which
 * checks every case failed cleanly or was read.
 */
class TorchScriptFaultsTest {

    static final int MUTATIONS = 200;

    @TempDir Path dir;

    @Test
    void mutationsNeverAbortTheJvm() throws Exception {
        byte[] valid = Files.readAllBytes(ClipFixtures.resource("tiny_openai_jit.pt"));
        List<FileFaults.Mutation> ms = FileFaults.mutations(valid, 8001, MUTATIONS);
        for (int k = 0; k < ms.size(); k++) {
            Files.write(
                    dir.resolve(String.format(Locale.ROOT, "case-%03d.pt", k)), ms.get(k).bytes());
        }
        ForkedJvm.Result r =
                ForkedJvm.run(TorchScriptProbe.class, Duration.ofSeconds(120), dir.toString());
        String tail =
                r.output().length() > 3_000
                        ? r.output().substring(r.output().length() - 3_000)
                        : r.output();
        assertThat(r.exitCode())
                .as("exit code (134 = abort); output ends:%n%s", tail)
                .isNotEqualTo(134)
                .isZero();
        assertThat(r.output()).contains("summary");
    }

    /** Issue 10: a bad TorchScript file gave "zip END header not found". */
    @Test
    void aTruncatedArchiveIsNamedNotAZipException() throws IOException {
        byte[] valid = Files.readAllBytes(ClipFixtures.resource("tiny_openai_jit.pt"));
        for (int len : new int[] {4, 100, valid.length / 2, valid.length - 10}) {
            Path f = dir.resolve("cut-" + len + ".pt");
            Files.write(f, Arrays.copyOf(valid, len));
            FileFaults.Outcome o =
                    FileFaults.assertCleanFailureOrSuccess(
                            "cut to " + len,
                            () -> ClipCheckpoints.inspect(f),
                            Duration.ofSeconds(10),
                            16L << 20,
                            IllegalArgumentException.class);
            assertThat(o.thrown())
                    .as("cut to %d", len)
                    .isExactlyInstanceOf(IllegalArgumentException.class);
            assertThat(o.thrown().getMessage())
                    .contains(f.toString())
                    .hasSizeLessThanOrEqualTo(2_000);
        }
        // a flipped byte inside a stored entry is caught by its CRC-32 before the engine
        byte[] flipped = valid.clone();
        flipped[valid.length / 3] ^= 0x55;
        Path f = dir.resolve("flipped.pt");
        Files.write(f, flipped);
        FileFaults.Outcome o =
                FileFaults.assertCleanFailureOrSuccess(
                        "flipped",
                        () -> ClipCheckpoints.inspect(f),
                        Duration.ofSeconds(10),
                        16L << 20,
                        IllegalArgumentException.class);
        assertThat(o.thrown()).isExactlyInstanceOf(IllegalArgumentException.class);
        assertThat(o.thrown().getMessage()).contains(f.toString());
    }
}
