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
package dev.bella.metrics.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Atomic writes: all or nothing under the final name, and the permissions any new file gets. */
class AtomicFilesTest {

    @TempDir Path dir;

    private static AtomicFiles.Writer text(String s) {
        return out -> out.write(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aWrittenFileHasThePermissionsOfAnyNewFileThere() throws IOException {
        // The umask's result for a new file in this directory, made independently.
        Set<PosixFilePermission> usual =
                Files.getPosixFilePermissions(Files.createFile(dir.resolve("plain")));
        Path written = AtomicFiles.write(dir.resolve("report.md"), true, text("x")).path();
        assertThat(Files.getPosixFilePermissions(written)).isEqualTo(usual);
        Path hashed =
                AtomicFiles.writeHashNamed(dir, "adapter_model-", ".safetensors", text("y")).path();
        assertThat(Files.getPosixFilePermissions(hashed)).isEqualTo(usual);
    }

    @Test
    void replaceOrRefuseAndAFailedWriteLeavesTheOldContentAndNoTemporaryFile() throws IOException {
        Path target = dir.resolve("results.json");
        AtomicFiles.Written w = AtomicFiles.write(target, true, text("old"));
        assertThat(w.bytes()).isEqualTo(3);
        assertThatThrownBy(() -> AtomicFiles.write(target, false, text("new")))
                .isInstanceOf(FileAlreadyExistsException.class);
        assertThat(Files.readString(target)).isEqualTo("old");
        assertThatThrownBy(
                        () ->
                                AtomicFiles.write(
                                        target,
                                        true,
                                        out -> {
                                            out.write("half".getBytes(StandardCharsets.UTF_8));
                                            throw new IOException("disk full");
                                        }))
                .hasMessage("disk full");
        assertThat(Files.readString(target)).isEqualTo("old");
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("results.json");
        }
        AtomicFiles.write(target, true, text("new"));
        assertThat(Files.readString(target)).isEqualTo("new");
    }

    @Test
    void temporaryFilesAreNewHiddenAndDistinct() throws IOException {
        Set<String> names = new HashSet<>();
        for (int i = 0; i < 50; i++) {
            Path t = AtomicFiles.createTemporary(dir, "base-");
            assertThat(t).isEmptyFile();
            assertThat(t.getFileName().toString()).startsWith(".base-").endsWith(".tmp");
            names.add(t.getFileName().toString());
        }
        assertThat(names).hasSize(50);
    }
}
