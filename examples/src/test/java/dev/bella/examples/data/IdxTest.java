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
package dev.bella.examples.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxTest {

    @TempDir Path dir;

    /** IDX bytes: the magic, the dimensions, then {@code values} (each cast to a byte). */
    static byte[] idx(int magic, int[] dims, int[] values) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(magic);
        for (int d : dims) {
            out.writeInt(d);
        }
        for (int v : values) {
            out.writeByte(v);
        }
        out.flush();
        return bytes.toByteArray();
    }

    static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream out = new GZIPOutputStream(bytes)) {
            out.write(data);
        }
        return bytes.toByteArray();
    }

    private Path write(String name, byte[] data) throws IOException {
        return Files.write(dir.resolve(name), data);
    }

    /** Three 2x3 images with pixels 0, 1, ..., 17 scaled by 15 (0..255). */
    private static int[] pixels() {
        int[] p = new int[18];
        for (int i = 0; i < p.length; i++) {
            p[i] = i * 15;
        }
        return p;
    }

    @Test
    void readsPlainAndGzipImagesAndLabels() throws IOException {
        byte[] images = idx(Idx.IMAGES_MAGIC, new int[] {3, 2, 3}, pixels());
        byte[] labels = idx(Idx.LABELS_MAGIC, new int[] {3}, new int[] {7, 0, 9});
        for (boolean gz : new boolean[] {false, true}) {
            Path im = write("images" + gz, gz ? gzip(images) : images);
            Path lb = write("labels" + gz, gz ? gzip(labels) : labels);
            Idx.Images read = Idx.readImages(im);
            assertThat(read.count()).isEqualTo(3);
            assertThat(read.height()).isEqualTo(2);
            assertThat(read.width()).isEqualTo(3);
            assertThat(read.pixel(1, 1, 2)).isEqualTo(11 * 15);
            assertThat(read.pixel(2, 1, 2)).isEqualTo(255);
            assertThat(Idx.readLabels(lb)).containsExactly(7, 0, 9);
            LabeledImages set = Idx.read(im, lb, 10);
            assertThat(set.size()).isEqualTo(3);
            assertThat(set.height()).isEqualTo(2);
            assertThat(set.width()).isEqualTo(3);
            assertThat(set.labels()).containsExactly(7, 0, 9);
            assertThat(set.pixels()[0][1]).isEqualTo(15 / 255f);
            assertThat(set.pixels()[2][5]).isEqualTo(1f);
            assertThat(set.pixels()[0][0]).isZero();
        }
    }

    @Test
    void badMagicNamesTheFileAndWhatItIs() throws IOException {
        Path labels = write("labels", idx(Idx.LABELS_MAGIC, new int[] {1}, new int[] {1}));
        assertThatThrownBy(() -> Idx.readImages(labels))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(labels.toString())
                .hasMessageContaining("bad magic number 0x00000801, expected 0x00000803")
                .hasMessageContaining("it is a label file");
        Path images = write("images", idx(Idx.IMAGES_MAGIC, new int[] {1, 1, 1}, new int[] {1}));
        assertThatThrownBy(() -> Idx.readLabels(images))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("it is an image file");
        Path text = write("text", "hello, world".getBytes());
        assertThatThrownBy(() -> Idx.readImages(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is it an IDX file?");
        Path floats = write("floats", idx(0x00000D03, new int[] {1, 1, 1}, new int[] {0, 0, 0, 0}));
        assertThatThrownBy(() -> Idx.readImages(floats))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("value type 0x0d is not unsigned byte");
        Path empty = write("empty", new byte[0]);
        assertThatThrownBy(() -> Idx.readImages(empty))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(empty + " is empty");
    }

    @Test
    void truncatedFilesAreReportedPlainAndCompressed() throws IOException {
        byte[] images = idx(Idx.IMAGES_MAGIC, new int[] {3, 2, 3}, pixels());
        byte[] cut = Arrays.copyOf(images, images.length - 4);
        Path plain = write("cut", cut);
        assertThatThrownBy(() -> Idx.readImages(plain))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(plain + " is truncated")
                .hasMessageContaining("3 images of 2x3 (18 value bytes) but only 14 follow");
        byte[] gz = gzip(images);
        Path gzCut = write("cut.gz", Arrays.copyOf(gz, gz.length - 12));
        assertThatThrownBy(() -> Idx.readImages(gzCut))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(gzCut + " is truncated");
        Path header = write("header", Arrays.copyOf(images, 9));
        assertThatThrownBy(() -> Idx.readImages(header))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ends inside the IDX header");
        byte[] extra = Arrays.copyOf(images, images.length + 1);
        Path trailing = write("extra", extra);
        assertThatThrownBy(() -> Idx.readImages(trailing))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("has bytes after the 3 images of 2x3");
        byte[] broken = gz.clone();
        broken[gz.length / 2] ^= 0x5A;
        broken[gz.length / 2 + 1] ^= 0x3C;
        Path corrupt = write("corrupt.gz", broken);
        assertThatThrownBy(() -> Idx.readImages(corrupt))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(corrupt.toString());
    }

    @Test
    void countMismatchAndLabelRangeNameTheFiles() throws IOException {
        Path im = write("im", idx(Idx.IMAGES_MAGIC, new int[] {3, 2, 3}, pixels()));
        Path two = write("two", idx(Idx.LABELS_MAGIC, new int[] {2}, new int[] {1, 2}));
        assertThatThrownBy(() -> Idx.read(im, two, 10))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("image and label counts differ")
                .hasMessageContaining(im + " holds 3 images but " + two + " holds 2 labels");
        Path big = write("big", idx(Idx.LABELS_MAGIC, new int[] {3}, new int[] {1, 12, 2}));
        assertThatThrownBy(() -> Idx.read(im, big, 10))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(big + ": label 1 is 12, outside [0, 10)");
    }
}
