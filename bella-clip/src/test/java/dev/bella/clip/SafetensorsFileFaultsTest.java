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

import dev.bella.testing.FileFaults;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLIP loader's safetensors reader, now bella-core's one validated header parser: seeded
 * mutations of a BF16 checkpoint (opened and every float tensor read), and the header cases of
 * issue 10 (huge header length, narrowed offsets, reversed offsets, overlaps, fractional numbers).
 */
class SafetensorsFileFaultsTest {

    @TempDir Path dir;

    private static Object readAll(Path file) throws IOException {
        long n = 0;
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            for (String name : f.tensors().keySet()) {
                if (f.tensors().get(name).floating()) {
                    n += f.readFloats(name).length;
                }
            }
        }
        return n;
    }

    @Test
    void mutatedCheckpointsFailCleanlyOrRead() throws IOException {
        byte[] valid = Files.readAllBytes(ClipFixtures.resource("tiny_hf_bf16.safetensors"));
        Path file = dir.resolve("m.safetensors");
        int refused = 0;
        for (FileFaults.Mutation m : FileFaults.mutations(valid, 5005, 200)) {
            Files.write(file, m.bytes());
            FileFaults.Outcome o =
                    FileFaults.assertCleanFailureOrSuccess(
                            "CLIP safetensors, seed 5005, " + m,
                            () -> readAll(file),
                            Duration.ofSeconds(10),
                            32L << 20,
                            IllegalArgumentException.class,
                            IOException.class);
            if (o.thrown() != null) {
                refused++;
                assertThat(o.thrown())
                        .as(m.toString())
                        .isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining(file.toString());
            }
        }
        System.out.printf("CLIP safetensors: 200 mutations, %d refused%n", refused);
        assertThat(refused).isGreaterThan(50);
    }

    private Path file(String header, int dataBytes) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        Path f = dir.resolve("h.safetensors");
        Files.write(
                f,
                ByteBuffer.allocate(8 + h.length + dataBytes)
                        .order(ByteOrder.LITTLE_ENDIAN)
                        .putLong(h.length)
                        .put(h)
                        .array());
        return f;
    }

    @Test
    void headerCasesAreRefusedWithFieldAndValue() throws IOException {
        assertThatThrownBy(
                        () ->
                                readAll(
                                        file(
                                                "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}",
                                                8)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'a' has data_offsets [8, 0] reversed");
        assertThatThrownBy(
                        () ->
                                readAll(
                                        file(
                                                "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,5000000384]}}",
                                                8)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ends at byte 5000000384");
        assertThatThrownBy(
                        () ->
                                readAll(
                                        file(
                                                "{\"a\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}",
                                                4)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("shape[0] = 1.5, expected a non-negative integer");
        assertThatThrownBy(
                        () ->
                                readAll(
                                        file(
                                                "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                                                        + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}",
                                                12)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("overlap");
        assertThatThrownBy(
                        () ->
                                readAll(
                                        file(
                                                "{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,4]}}",
                                                4)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("overflows 64 bits");
        assertThatThrownBy(
                        () ->
                                readAll(
                                        file(
                                                "{\"a\":{\"dtype\":\"X9\",\"shape\":[1],\"data_offsets\":[0,4]}}",
                                                4)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("dtype 'X9', expected one of");
        Path f = file("{}", 0);
        byte[] b = Files.readAllBytes(f);
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong((1L << 31) - 3);
        Files.write(f, b);
        FileFaults.Outcome o =
                FileFaults.assertCleanFailureOrSuccess(
                        "header length 2^31-3",
                        () -> readAll(f),
                        Duration.ofSeconds(5),
                        1L << 20,
                        IllegalArgumentException.class);
        assertThat(o.thrown()).hasMessageContaining("header length 2147483645");
    }
}
