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
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpyTest {

    @TempDir Path dir;

    /** Builds a .npy file by hand, as NumPy lays it out. */
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

    static NpyArray read(byte[] bytes) throws IOException {
        return Npy.read(new ByteArrayInputStream(bytes), "test.npy");
    }

    @Test
    void roundTripsEveryWrittenType() throws IOException {
        Path f = dir.resolve("f.npy");
        Npy.write(f, new float[] {0.25f, 0.75f, 1, 0, 0.5f, 0.5f}, 3, 2);
        NpyArray a = Npy.read(f);
        assertThat(a.type()).isEqualTo(NpyType.FLOAT32);
        assertThat(a.shape()).containsExactly(3, 2);
        assertThat(a.toFloatMatrix())
                .isDeepEqualTo(new float[][] {{0.25f, 0.75f}, {1, 0}, {0.5f, 0.5f}});
        // header padded so the data starts at a multiple of 64, as numpy.save does
        assertThat((Files.size(f) - 6 * 4) % 64).isZero();

        Path d = dir.resolve("d.npy");
        double[] values = {0.1, 1.0 / 3, Math.PI, 0, 1, 2, 3, 4};
        Npy.write(d, values, 2, 2, 2);
        assertThat(Npy.read(d).toDoubleArray()).containsExactly(values);
        assertThat(Npy.read(d).toDoubleTensor()[1][0]).containsExactly(1, 2);

        Path i = dir.resolve("i.npy");
        Npy.write(i, new int[] {0, 3, -1}, 3);
        assertThat(Npy.read(i).toIntArray()).containsExactly(0, 3, -1);

        Path b = dir.resolve("b.npy");
        Npy.write(b, new boolean[] {true, false, true}, 3);
        assertThat(Npy.read(b).type()).isEqualTo(NpyType.BOOL);
        assertThat(Npy.read(b).toBooleanArray()).containsExactly(true, false, true);
    }

    @Test
    void readsBigEndianAndOtherTypes() throws IOException {
        ByteBuffer be =
                ByteBuffer.allocate(8).order(ByteOrder.BIG_ENDIAN).putFloat(0.25f).putFloat(-2f);
        NpyArray f =
                read(
                        npy(
                                1,
                                "{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }",
                                be.array()));
        assertThat(f.toFloatArray()).containsExactly(0.25f, -2f);

        ByteBuffer le =
                ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(7).putLong(-3);
        NpyArray l =
                read(
                        npy(
                                1,
                                "{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }",
                                le.array()));
        assertThat(l.toIntArray()).containsExactly(7, -3);

        ByteBuffer bi = ByteBuffer.allocate(8).order(ByteOrder.BIG_ENDIAN).putInt(5).putInt(1);
        assertThat(
                        read(npy(
                                        2,
                                        "{'descr': '>i4', 'fortran_order': False, 'shape': (2,), }",
                                        bi.array()))
                                .toIntArray())
                .containsExactly(5, 1);

        NpyArray u8 =
                read(
                        npy(
                                3,
                                "{'descr': '|u1', 'fortran_order': False, 'shape': (3,), }",
                                new byte[] {0, 1, (byte) 200}));
        assertThat(u8.toIntArray()).containsExactly(0, 1, 200);
        assertThatThrownBy(u8::toBooleanArray)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("test.npy: element 2 = 200 is not a 0/1 flag");

        ByteBuffer d =
                ByteBuffer.allocate(16).order(ByteOrder.BIG_ENDIAN).putDouble(1).putDouble(0);
        assertThat(
                        read(npy(
                                        1,
                                        "{'descr': '>f8', 'fortran_order': False, 'shape': (2,), }",
                                        d.array()))
                                .toBooleanArray())
                .containsExactly(true, false);
        // scalars have shape () and one element
        NpyArray s =
                read(
                        npy(
                                1,
                                "{'descr': '<f8', 'fortran_order': False, 'shape': (), }",
                                new byte[8]));
        assertThat(s.rank()).isZero();
        assertThat(s.size()).isEqualTo(1);
    }

    @Test
    void largeArraysCrossChunkBoundaries() throws IOException {
        int n = (1 << 20) / 4 * 3 + 5; // more than a read chunk, not a multiple of it
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = i * 0.5f;
        }
        Path f = dir.resolve("big.npy");
        Npy.write(f, v, n);
        assertThat(Arrays.equals(Npy.read(f).toFloatArray(), v)).isTrue();
    }

    @Test
    void refusesFortranOrder() {
        byte[] b =
                npy(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (1, 1), }", new byte[4]);
        assertThatThrownBy(() -> read(b))
                .isInstanceOf(NpyFormatException.class)
                .hasMessageContaining("test.npy")
                .hasMessageContaining("Fortran");
    }

    @Test
    void refusesTruncatedAndOverlongFiles() throws IOException {
        byte[] b =
                npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }", new byte[20]);
        assertThatThrownBy(() -> read(b))
                .isInstanceOf(NpyFormatException.class)
                .hasMessageContaining("test.npy: truncated")
                .hasMessageContaining("needs 24 data bytes, the file has 20");
        byte[] longer =
                npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", new byte[8]);
        assertThatThrownBy(() -> read(longer))
                .isInstanceOf(NpyFormatException.class)
                .hasMessageContaining("longer");
        byte[] cut = Arrays.copyOf(b, 9);
        assertThatThrownBy(() -> read(cut))
                .isInstanceOf(NpyFormatException.class)
                .hasMessageContaining("ends inside the header length");
        Path f = dir.resolve("trunc.npy");
        Files.write(f, Arrays.copyOf(b, 30));
        assertThatThrownBy(() -> Npy.read(f))
                .isInstanceOf(NpyFormatException.class)
                .hasMessageContaining(f.toString());
    }

    @Test
    void refusesMalformedFiles() {
        assertThatThrownBy(() -> read("PK\3\4 not numpy".getBytes(StandardCharsets.ISO_8859_1)))
                .isInstanceOf(NpyFormatException.class)
                .hasMessageContaining("not a .npy file");
        assertThatThrownBy(
                        () ->
                                read(
                                        npy(
                                                1,
                                                "{'descr': '<c16', 'fortran_order': False, 'shape': (1,), }",
                                                new byte[16])))
                .isInstanceOf(NpyFormatException.class)
                .hasMessageContaining("unsupported dtype '<c16'");
        assertThatThrownBy(
                        () ->
                                read(
                                        npy(
                                                1,
                                                "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }",
                                                new byte[4])))
                .isInstanceOf(NpyFormatException.class)
                .hasMessageContaining("malformed or unsupported header");
        assertThatThrownBy(
                        () ->
                                read(
                                        npy(
                                                1,
                                                "{'descr': '<f4', 'fortran_order': False, 'shape': (x,), }",
                                                new byte[4])))
                .isInstanceOf(NpyFormatException.class)
                .hasMessageContaining("malformed shape");
        assertThatThrownBy(() -> read(npy(9, "{}", new byte[0])))
                .isInstanceOf(NpyFormatException.class)
                .hasMessageContaining("version 9");
        assertThatThrownBy(
                        () ->
                                read(
                                        npy(
                                                1,
                                                "{'descr': '|b1', 'fortran_order': False, 'shape': (1,), }",
                                                new byte[] {7})))
                .isInstanceOf(NpyFormatException.class)
                .hasMessageContaining("bool element 0");
    }

    @Test
    void conversionsNameTheSource() throws IOException {
        NpyArray d =
                read(
                        npy(
                                1,
                                "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }",
                                new byte[16]));
        assertThatThrownBy(d::toFloatArray)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("test.npy: expected float32");
        assertThatThrownBy(d::toIntArray)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("expected integer");
        assertThatThrownBy(d::toDoubleMatrix)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("expected a 2-D array, got shape [2]");
        ByteBuffer big = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(1L << 40);
        NpyArray l =
                read(
                        npy(
                                1,
                                "{'descr': '<i8', 'fortran_order': False, 'shape': (1,), }",
                                big.array()));
        assertThatThrownBy(l::toIntArray)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("does not fit an int");
    }

    @Test
    void readsFilesWrittenByNumpyWhenAvailable() throws Exception {
        Path py = Path.of("/usr/bin/python3");
        org.junit.jupiter.api.Assumptions.assumeTrue(
                Files.isExecutable(py), "python3 not installed");
        Path f = dir.resolve("np.npy");
        Process p =
                new ProcessBuilder(
                                py.toString(),
                                "-c",
                                "import numpy as np, sys; np.save(sys.argv[1], np.arange(6, dtype='>f8').reshape(2, 3))",
                                f.toString())
                        .redirectErrorStream(true)
                        .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        org.junit.jupiter.api.Assumptions.assumeTrue(
                p.waitFor() == 0, "numpy not available: " + out);
        assertThat(Npy.read(f).toDoubleMatrix())
                .isDeepEqualTo(new double[][] {{0, 1, 2}, {3, 4, 5}});
    }
}
