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

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.IOException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Gaussian blur, contrast, pixelate and spatter against the independent computations of
 * tools/robustness/make_fixtures.py (scipy.ndimage, numpy, Pillow 9.4), and contrast by hand.
 */
class CorruptionReferenceTest {

    private static JsonObject ref;

    @BeforeAll
    static void load() throws IOException {
        ref = TestImages.reference();
    }

    @Test
    void contrastOfATinyImageByHand() {
        // One 2 x 2 image, two channels: means 0.5 and 0.25.
        float[] x = {0.1f, 0.9f, 0.3f, 0.7f, 0f, 0.5f, 0.25f, 0.25f};
        float[] out = Corruption.CONTRAST.apply(ImageBatch.of(x, 1, 2, 2, 2), 2, 0, 0); // c = 0.5
        float[] expected = {0.3f, 0.7f, 0.4f, 0.6f, 0.125f, 0.375f, 0.25f, 0.25f};
        assertThat(out).containsExactly(expected, within(1e-7f));
        out = Corruption.CONTRAST.apply(ImageBatch.of(x, 1, 2, 2, 2), 5, 0, 0); // c = 0.15
        assertThat(out[0]).isCloseTo(0.5f + 0.15f * -0.4f, within(1e-7f));
    }

    @Test
    void gaussianBlurMatchesScipy() {
        JsonObject image = ref.getAsJsonObject("image");
        float[] x = TestImages.floats(image.getAsJsonArray("values"));
        JsonArray full = ref.getAsJsonObject("gaussian_blur").getAsJsonArray("full");
        for (int sev = 1; sev <= 5; sev++) {
            float[] out = Corruption.GAUSSIAN_BLUR.apply(ImageBatch.of(x, 1, 2, 5, 6), sev, 0, 0);
            float[] expected = TestImages.floats(full.get(sev - 1).getAsJsonArray());
            assertThat(out).as("severity " + sev).containsExactly(expected, within(2e-7f));
        }
    }

    @Test
    void gaussianBlurScalesItsSigmaAboveThirtyTwoPixels() {
        JsonObject r = ref.getAsJsonObject("gaussian_blur").getAsJsonObject("rank1");
        checkSeparable(Corruption.GAUSSIAN_BLUR, r, 2e-6);
    }

    @Test
    void contrastMatchesNumpy() {
        float[] x = TestImages.floats(ref.getAsJsonObject("image").getAsJsonArray("values"));
        JsonArray contrast = ref.getAsJsonArray("contrast");
        for (int sev = 1; sev <= 5; sev++) {
            float[] out = Corruption.CONTRAST.apply(ImageBatch.of(x, 1, 2, 5, 6), sev, 0, 0);
            float[] expected = TestImages.floats(contrast.get(sev - 1).getAsJsonArray());
            assertThat(out).as("severity " + sev).containsExactly(expected, within(2e-7f));
        }
    }

    @Test
    void pixelateMatchesPillowBoxResizes() {
        for (var c : ref.getAsJsonArray("pixelate")) {
            checkSeparable(Corruption.PIXELATE, c.getAsJsonObject(), 2e-6);
        }
    }

    @Test
    void spatterMatchesTheNumpyTranscriptionGivenTheSameNoise() {
        for (var e : ref.getAsJsonArray("spatter")) {
            JsonObject c = e.getAsJsonObject();
            int ch = c.get("c").getAsInt();
            int h = c.get("h").getAsInt();
            int w = c.get("w").getAsInt();
            float[] x = TestImages.floats(c.getAsJsonArray("x"));
            double[] z = TestImages.doubles(c.getAsJsonArray("z"));
            for (int sev = 1; sev <= 5; sev++) {
                float[] data = x.clone();
                CorruptionFilters.spatterImage(ImageBatch.of(data, 1, ch, h, w), 0, sev, z);
                for (int k = 0; k < data.length; k++) {
                    data[k] = Math.min(1f, Math.max(0f, data[k]));
                }
                float[] expected =
                        TestImages.floats(c.getAsJsonArray("out").get(sev - 1).getAsJsonArray());
                assertThat(data)
                        .as("%d channels, severity %d", ch, sev)
                        .containsExactly(expected, within(2e-6f));
            }
        }
    }

    /** The corruption of u v^T equals outer(ru, rv) at every severity. */
    private static void checkSeparable(Corruption corruption, JsonObject r, double tol) {
        int h = r.get("h").getAsInt();
        int w = r.get("w").getAsInt();
        double[] u = TestImages.doubles(r.getAsJsonArray("u"));
        double[] v = TestImages.doubles(r.getAsJsonArray("v"));
        float[] x = new float[h * w];
        for (int i = 0; i < h; i++) {
            for (int j = 0; j < w; j++) {
                x[i * w + j] = (float) (u[i] * v[j]);
            }
        }
        for (int sev = 1; sev <= 5; sev++) {
            double[] ru = TestImages.doubles(r.getAsJsonArray("ru").get(sev - 1).getAsJsonArray());
            double[] rv = TestImages.doubles(r.getAsJsonArray("rv").get(sev - 1).getAsJsonArray());
            float[] out = corruption.apply(ImageBatch.of(x, 1, 1, h, w), sev, 0, 0);
            for (int i = 0; i < h; i++) {
                for (int j = 0; j < w; j++) {
                    assertThat((double) out[i * w + j])
                            .as("%s %dx%d severity %d at (%d, %d)", corruption, h, w, sev, i, j)
                            .isCloseTo(ru[i] * rv[j], within(tol));
                }
            }
        }
    }
}
