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

import static dev.bella.examples.data.IdxTest.gzip;
import static dev.bella.examples.data.IdxTest.idx;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FashionMnistTest {

    @TempDir Path dir;

    private static int[] image(int count) {
        int[] p = new int[count * 28 * 28];
        for (int i = 0; i < p.length; i++) {
            p[i] = (i * 7) % 256;
        }
        return p;
    }

    @Test
    void readsTheFourFilesPlainOrCompressed() throws IOException {
        Files.write(
                dir.resolve("train-images-idx3-ubyte.gz"),
                gzip(idx(Idx.IMAGES_MAGIC, new int[] {3, 28, 28}, image(3))));
        Files.write(
                dir.resolve("train-labels-idx1-ubyte"),
                idx(Idx.LABELS_MAGIC, new int[] {3}, new int[] {9, 0, 3}));
        Files.write(
                dir.resolve("t10k-images-idx3-ubyte"),
                idx(Idx.IMAGES_MAGIC, new int[] {2, 28, 28}, image(2)));
        Files.write(
                dir.resolve("t10k-labels-idx1-ubyte.gz"),
                gzip(idx(Idx.LABELS_MAGIC, new int[] {2}, new int[] {9, 2})));
        FashionMnist data = FashionMnist.load(dir);
        assertThat(data.train().size()).isEqualTo(3);
        assertThat(data.train().labels()).containsExactly(9, 0, 3);
        assertThat(data.test().labels()).containsExactly(9, 2);
        assertThat(data.test().height()).isEqualTo(28);
        assertThat(data.test().classes()).isEqualTo(10);
        assertThat(data.train().pixels()[1][0]).isEqualTo(((784 * 7) % 256) / 255f);
    }

    @Test
    void missingFilesAndWrongSizesAreNamed() throws IOException {
        assertThatThrownBy(() -> FashionMnist.loadTest(dir))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("t10k-images-idx3-ubyte.gz")
                .hasMessageContaining("dataset-fashion-mnist");
        Files.write(
                dir.resolve("t10k-images-idx3-ubyte"),
                idx(Idx.IMAGES_MAGIC, new int[] {1, 8, 8}, new int[64]));
        Files.write(
                dir.resolve("t10k-labels-idx1-ubyte"),
                idx(Idx.LABELS_MAGIC, new int[] {1}, new int[] {1}));
        assertThatThrownBy(() -> FashionMnist.loadTest(dir))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("holds 8x8 images; Fashion-MNIST's are 28x28");
    }

    /** The real files of Debian's dataset-fashion-mnist package, when it is installed. */
    @Test
    void readsDebiansDatasetFashionMnistPackage() throws IOException {
        assumeTrue(
                Files.isDirectory(FashionMnist.DEBIAN_DIR),
                "dataset-fashion-mnist is not installed (apt-get install dataset-fashion-mnist)");
        FashionMnist data = FashionMnist.load(FashionMnist.DEBIAN_DIR);
        assertThat(data.train().size()).isEqualTo(60_000);
        assertThat(data.test().size()).isEqualTo(10_000);
        assertThat(data.train().height()).isEqualTo(28);
        assertThat(data.train().width()).isEqualTo(28);
        int[] perClass = new int[10];
        for (int l : data.train().labels()) {
            perClass[l]++;
        }
        assertThat(perClass).containsOnly(6_000);
        // the files' first labels: ankle boot, T-shirt/top, T-shirt/top, dress / ankle boot,
        // pullover
        assertThat(java.util.Arrays.copyOf(data.train().labels(), 4)).containsExactly(9, 0, 0, 3);
        assertThat(java.util.Arrays.copyOf(data.test().labels(), 2)).containsExactly(9, 2);
        float min = 1;
        float max = 0;
        for (float[] row : data.test().pixels()) {
            for (float v : row) {
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
        }
        assertThat(min).isZero();
        assertThat(max).isEqualTo(1f);
    }
}
