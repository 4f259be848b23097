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

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * scikit-learn's digits, bundled with the examples: 1797 images of 8x8 pixels (0..16, scaled to [0,
 * 1]) of the digits 0..9. BSD-3-Clause; see {@code DIGITS-NOTICE.txt} beside the data.
 */
public final class Digits {

    /** Number of images in the bundled set. */
    public static final int SIZE = 1797;

    private Digits() {}

    /**
     * Reads the bundled data set.
     *
     * @return the images
     */
    public static LabeledImages load() {
        try (InputStream in = Digits.class.getResourceAsStream("digits.csv.gz")) {
            if (in == null) {
                throw new IllegalStateException("digits.csv.gz is missing from the class path");
            }
            return parse(new GZIPInputStream(in), "digits.csv.gz");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the bundled digits data", e);
        }
    }

    static LabeledImages parse(InputStream in, String name) throws IOException {
        List<float[]> pixels = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII));
        String line;
        int lineNo = 0;
        while ((line = r.readLine()) != null) {
            lineNo++;
            if (line.isBlank()) {
                continue;
            }
            String[] f = line.split(",");
            if (f.length != 65) {
                throw new IllegalArgumentException(
                        name + " line " + lineNo + " has " + f.length + " fields, expected 65");
            }
            float[] p = new float[64];
            for (int i = 0; i < 64; i++) {
                p[i] = Float.parseFloat(f[i]) / 16f;
            }
            pixels.add(p);
            labels.add((int) Float.parseFloat(f[64]));
        }
        int[] l = labels.stream().mapToInt(Integer::intValue).toArray();
        return new LabeledImages(pixels.toArray(new float[0][]), l, 8, 8, 10);
    }
}
