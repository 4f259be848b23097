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
package dev.bella.metrics.shift;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/** Synthetic images for the corruption tests, and the fixtures of tools/robustness. */
final class TestImages {

    private TestImages() {}

    /**
     * Smooth images with some edges, values in [0.05, 0.95]: a tilted gradient, a bright disc and a
     * dark bar, different in every image and channel.
     */
    static float[] synthetic(int n, int c, int h, int w, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] out = new float[n * c * h * w];
        for (int i = 0; i < n; i++) {
            for (int ch = 0; ch < c; ch++) {
                double gx = rng.nextDouble(-1, 1);
                double gy = rng.nextDouble(-1, 1);
                double cx = rng.nextDouble(0.2, 0.8) * w;
                double cy = rng.nextDouble(0.2, 0.8) * h;
                double r = rng.nextDouble(0.15, 0.35) * Math.min(h, w);
                int bar = rng.nextInt(h);
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) {
                        double v =
                                0.5
                                        + 0.2
                                                * (gx * (x / (double) w - 0.5)
                                                        + gy * (y / (double) h - 0.5));
                        if ((x - cx) * (x - cx) + (y - cy) * (y - cy) < r * r) {
                            v += 0.3;
                        }
                        if (Math.abs(y - bar) <= Math.max(0, h / 16)) {
                            v -= 0.35;
                        }
                        v += 0.05 * Math.sin(0.9 * x + 1.7 * y + ch);
                        out[((i * c + ch) * h + y) * w + x] =
                                (float) Math.min(0.95, Math.max(0.05, v));
                    }
                }
            }
        }
        return out;
    }

    static double meanAbsDiff(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += Math.abs(a[i] - b[i]);
        }
        return s / a.length;
    }

    static double std(float[] a) {
        double m = 0;
        for (float v : a) {
            m += v;
        }
        m /= a.length;
        double s = 0;
        for (float v : a) {
            s += (v - m) * (v - m);
        }
        return Math.sqrt(s / a.length);
    }

    static JsonObject reference() throws IOException {
        try (InputStream in = TestImages.class.getResourceAsStream("/shift/reference.json")) {
            if (in == null) {
                throw new IllegalStateException(
                        "missing test resource shift/reference.json; run"
                                + " tools/robustness/make_fixtures.py");
            }
            return new Gson()
                    .fromJson(new InputStreamReader(in, StandardCharsets.UTF_8), JsonObject.class);
        }
    }

    static float[] floats(JsonArray a) {
        float[] out = new float[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsFloat();
        }
        return out;
    }

    static double[] doubles(JsonArray a) {
        double[] out = new double[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsDouble();
        }
        return out;
    }
}
