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
package dev.bella.metrics.npy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bella.testing.FileFaults;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fault suite for {@code .npy} files: seeded mutations of valid files, and the lying sizes of
 * issue 10, must end in a {@link NpyFormatException} (or be read) with a bounded message, a bounded
 * allocation and no hang.
 */
class NpyFaultsTest {

    static final int MUTATIONS = 200;
    static final Duration TIMEOUT = Duration.ofSeconds(5);

    /** A small file may cost at most this much heap: 1 MiB, whatever its header claims. */
    static final long MAX_ALLOCATED = 1L << 20;

    @TempDir Path dir;

    static byte[] npy(int major, String header, byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) major, 0});
        byte[] h = (header + "\n").getBytes(StandardCharsets.ISO_8859_1);
        if (major == 1) {
            out.writeBytes(new byte[] {(byte) h.length, (byte) (h.length >> 8)});
        } else {
            out.writeBytes(
                    ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(h.length).array());
        }
        out.writeBytes(h);
        out.writeBytes(data);
        return out.toByteArray();
    }

    private void mutate(String what, byte[] valid, long seed) throws IOException {
        List<FileFaults.Mutation> ms = FileFaults.mutations(valid, seed, MUTATIONS);
        int refused = 0;
        for (int k = 0; k < ms.size(); k++) {
            FileFaults.Mutation m = ms.get(k);
            Path f = dir.resolve(what + "-" + k + ".npy");
            Files.write(f, m.bytes());
            String name = what + " seed " + seed + " case " + k + ": " + m;
            FileFaults.Outcome file =
                    FileFaults.assertCleanFailureOrSuccess(
                            name + " (file)",
                            () -> Npy.read(f),
                            TIMEOUT,
                            MAX_ALLOCATED,
                            NpyFormatException.class);
            FileFaults.assertCleanFailureOrSuccess(
                    name + " (stream)",
                    () -> Npy.read(new ByteArrayInputStream(m.bytes()), f.toString()),
                    TIMEOUT,
                    MAX_ALLOCATED,
                    NpyFormatException.class);
            if (file.thrown() != null) {
                refused++;
                assertThat(file.thrown().getMessage()).as(name).contains(f.toString());
            }
        }
        assertThat(refused).as("%s: mutations refused", what).isGreaterThan(MUTATIONS / 2);
    }

    @Test
    void float32MatrixV1() throws IOException {
        Path f = dir.resolve("valid.npy");
        float[] v = new float[12];
        for (int i = 0; i < v.length; i++) {
            v[i] = i / 12f;
        }
        Npy.write(f, v, 3, 4);
        mutate("f4-v1", Files.readAllBytes(f), 1001);
    }

    @Test
    void int64LabelsV2() throws IOException {
        ByteBuffer b = ByteBuffer.allocate(40).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 5; i++) {
            b.putLong(i % 3);
        }
        mutate(
                "i8-v2",
                npy(2, "{'descr': '<i8', 'fortran_order': False, 'shape': (5,), }", b.array()),
                2002);
    }

    @Test
    void boolFlagsV3() throws IOException {
        mutate(
                "b1-v3",
                npy(
                        3,
                        "{'descr': '|b1', 'fortran_order': False, 'shape': (8,), }",
                        new byte[] {0, 1, 1, 0, 0, 0, 1, 0}),
                3003);
    }

    @Test
    void bigEndianFloat64Particles() throws IOException {
        ByteBuffer b = ByteBuffer.allocate(8 * 12).order(ByteOrder.BIG_ENDIAN);
        for (int i = 0; i < 12; i++) {
            b.putDouble(0.5);
        }
        mutate(
                "f8-be",
                npy(1, "{'descr': '>f8', 'fortran_order': False, 'shape': (2, 3, 2), }", b.array()),
                4004);
    }

    /** Random headers: every field drawn from valid and hostile values, with random data. */
    @Test
    void headerFieldMutations() throws IOException {
        java.util.SplittableRandom rng = new java.util.SplittableRandom(5005);
        String[] validDescrs = {"'<f4'", "'<f8'", "'>f4'", "'=i4'", "'|b1'", "'|u1'", "'<i8'"};
        String[] hostileDescrs = {
            "'<f2'",
            "'|O'",
            "'<U3'",
            "'|S4'",
            "'<c8'",
            "'V8'",
            "[('a', '<f4'), ('b', '<i4')]",
            "''",
            "'<f4444'",
            "'<f99999999999'",
            "5",
            "None"
        };
        String[] smallDims = {"0", "1", "2", "3", "12", "1L"};
        String[] hostileDims = {
            "100000",
            "46340",
            "2000000000",
            "2147483647",
            "2147483648",
            "1099511627776",
            "-1",
            "x",
            "99999999999999999999999"
        };
        String[] fortran = {"True", "None", "1", "'False'"};
        int refused = 0;
        for (int k = 0; k < MUTATIONS; k++) {
            StringBuilder shape = new StringBuilder("(");
            int rank = rng.nextInt(4);
            for (int i = 0; i < rank; i++) {
                String[] pick = rng.nextInt(3) == 0 ? hostileDims : smallDims;
                shape.append(pick[rng.nextInt(pick.length)]).append(rank == 1 ? "," : ", ");
            }
            shape.append(')');
            String[] descrs = rng.nextInt(3) == 0 ? hostileDescrs : validDescrs;
            String header =
                    "{'descr': "
                            + descrs[rng.nextInt(descrs.length)]
                            + ", 'fortran_order': "
                            + (rng.nextInt(4) == 0 ? fortran[rng.nextInt(fortran.length)] : "False")
                            + ", 'shape': "
                            + shape
                            + (rng.nextInt(8) == 0 ? ", 'extra': 1" : "")
                            + ", }";
            byte[] data = new byte[rng.nextInt(65)];
            rng.nextBytes(data);
            byte[] b = npy(1 + rng.nextInt(3), header, data);
            Path f = dir.resolve("header-" + k + ".npy");
            Files.write(f, b);
            String name = "header case " + k + ": " + header + " + " + data.length + " bytes";
            FileFaults.Outcome o =
                    FileFaults.assertCleanFailureOrSuccess(
                            name,
                            () -> Npy.read(f),
                            TIMEOUT,
                            MAX_ALLOCATED,
                            NpyFormatException.class);
            FileFaults.assertCleanFailureOrSuccess(
                    name + " (stream)",
                    () -> Npy.read(new ByteArrayInputStream(b), f.toString()),
                    TIMEOUT,
                    MAX_ALLOCATED,
                    NpyFormatException.class);
            if (o.thrown() != null) {
                refused++;
                assertThat(o.thrown().getMessage()).as(name).contains(f.toString());
            }
        }
        assertThat(refused).isGreaterThan(MUTATIONS / 2);
    }

    /** Issue 10: a 128-byte file claiming (2000000000,) float32 took 22 s and 7.75 GB. */
    @Test
    void aTinyFileClaimingTwoBillionFloatsIsRefusedWithoutAllocating() throws IOException {
        byte[] b =
                npy(
                        1,
                        "{'descr': '<f4', 'fortran_order': False, 'shape': (2000000000,), }",
                        new byte[8]);
        Path f = dir.resolve("liar.npy");
        Files.write(f, b);
        for (boolean stream : new boolean[] {false, true}) {
            FileFaults.Outcome o =
                    FileFaults.assertCleanFailureOrSuccess(
                            "2e9 floats, stream " + stream,
                            () ->
                                    stream
                                            ? Npy.read(new ByteArrayInputStream(b), f.toString())
                                            : Npy.read(f),
                            TIMEOUT,
                            MAX_ALLOCATED,
                            NpyFormatException.class);
            assertThat(o.thrown())
                    .isInstanceOf(NpyFormatException.class)
                    .hasMessageContaining(f.toString())
                    .hasMessageContaining("truncated")
                    .hasMessageContaining("[2000000000]")
                    .hasMessageContaining("needs 8000000000 data bytes, the file has 8");
            assertThat(o.millis()).isLessThan(1_000);
        }
    }

    @Test
    void lyingSizesAreRefusedBeforeAllocation() throws IOException {
        String[] shapes = {
            "(2147483647,)",
            "(65536, 65536)",
            "(4294967296,)",
            "(99999999999999999999,)",
            "(46341, 46341, 2)",
            "(1, 2147483647, 1)"
        };
        for (String shape : shapes) {
            byte[] b =
                    npy(
                            1,
                            "{'descr': '<i8', 'fortran_order': False, 'shape': " + shape + ", }",
                            new byte[16]);
            Path f = dir.resolve("shape.npy");
            Files.write(f, b);
            for (boolean stream : new boolean[] {false, true}) {
                FileFaults.Outcome o =
                        FileFaults.assertCleanFailureOrSuccess(
                                shape + ", stream " + stream,
                                () ->
                                        stream
                                                ? Npy.read(
                                                        new ByteArrayInputStream(b), f.toString())
                                                : Npy.read(f),
                                TIMEOUT,
                                MAX_ALLOCATED,
                                NpyFormatException.class);
                assertThat(o.thrown()).as(shape).hasMessageContaining(f.toString());
            }
        }
        // header lengths of 2^32 - 1 and 2^31 - 3 in a version-2 file of 100 bytes
        for (long length : new long[] {0xffffffffL, (1L << 31) - 3, 1L << 24}) {
            byte[] b =
                    npy(
                            2,
                            "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }",
                            new byte[4]);
            ByteBuffer.wrap(b, 8, 4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) length);
            Path f = dir.resolve("header.npy");
            Files.write(f, b);
            FileFaults.Outcome o =
                    FileFaults.assertCleanFailureOrSuccess(
                            "header length " + length,
                            () -> Npy.read(f),
                            TIMEOUT,
                            MAX_ALLOCATED,
                            NpyFormatException.class);
            assertThat(o.thrown())
                    .hasMessageContaining(f.toString())
                    .hasMessageContaining("header length " + length);
        }
    }

    @Test
    void aHugeHeaderGivesABoundedMessage() throws IOException {
        String junk =
                "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x" + "y".repeat(60_000);
        byte[] b = npy(1, junk, new byte[4]);
        Path f = dir.resolve("junk.npy");
        Files.write(f, b);
        FileFaults.Outcome o =
                FileFaults.assertCleanFailureOrSuccess(
                        "junk header",
                        () -> Npy.read(f),
                        TIMEOUT,
                        MAX_ALLOCATED,
                        NpyFormatException.class);
        assertThat(o.thrown()).hasMessageContaining(f.toString());
        assertThat(o.thrown().getMessage().length()).isLessThan(500);
    }
}
