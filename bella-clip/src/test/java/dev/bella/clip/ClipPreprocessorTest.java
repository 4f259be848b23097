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

import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.ImageFactory;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * CLIP preprocessing against Pillow 9.4 (tools/clip/make_fixtures.py): resize with PIL bicubic,
 * torchvision's center crop, CLIP mean/std.
 */
class ClipPreprocessorTest {

    static NDManager manager;
    static Map<String, ClipFixtures.Tensor> reference;

    @BeforeAll
    static void setUp() throws Exception {
        manager = NDManager.newBaseManager();
        reference = ClipFixtures.read(ClipFixtures.resource("preprocess_reference.safetensors"));
    }

    @AfterAll
    static void tearDown() {
        manager.close();
    }

    private static Image image(String name) throws Exception {
        return ImageFactory.getInstance()
                .fromFile(ClipFixtures.resource("preprocess_" + name + ".png"));
    }

    /** Un-normalises a (3, S, S) tensor back to 0..255 grey levels (H, W, 3), rounded. */
    private static float[] levels(float[] chw, int size, int stride) {
        float[] mean = ClipPreprocessor.clipMean();
        float[] std = ClipPreprocessor.clipStd();
        int n = (size + stride - 1) / stride;
        float[] out = new float[n * n * 3];
        for (int y = 0, i = 0; y < size; y += stride, i++) {
            for (int x = 0, j = 0; x < size; x += stride, j++) {
                for (int c = 0; c < 3; c++) {
                    float v = chw[(c * size + y) * size + x];
                    out[(i * n + j) * 3 + c] = Math.round((v * std[c] + mean[c]) * 255f);
                }
            }
        }
        return out;
    }

    private static float[] subsample(float[] chw, int size, int stride) {
        int n = (size + stride - 1) / stride;
        float[] out = new float[3 * n * n];
        for (int c = 0; c < 3; c++) {
            for (int y = 0, i = 0; y < size; y += stride, i++) {
                for (int x = 0, j = 0; x < size; x += stride, j++) {
                    out[(c * n + i) * n + j] = chw[(c * size + y) * size + x];
                }
            }
        }
        return out;
    }

    @Test
    void matchesPillowPixelForPixel() throws Exception {
        ClipPreprocessor small = ClipPreprocessor.builder().optImageSize(32).build();
        ClipPreprocessor clip = ClipPreprocessor.create();
        for (String name : List.of("landscape", "portrait", "photo")) {
            ClipPreprocessor p = "photo".equals(name) ? clip : small;
            int stride = "photo".equals(name) ? 7 : 1;
            try (NDManager scope = manager.newSubManager()) {
                NDArray t = p.preprocess(image(name), scope);
                int size = p.getImageSize();
                assertThat(t.getShape()).isEqualTo(new Shape(3, size, size));
                float[] all = t.toFloatArray();
                assertThat(levels(all, size, stride))
                        .as(name + " pixels")
                        .containsExactly(reference.get(name + ".pixels").values());
                double diff =
                        maxAbsDiff(
                                subsample(all, size, stride),
                                reference.get(name + ".tensor").values());
                System.out.printf("preprocess %-9s PIL bicubic max |diff| = %.3g%n", name, diff);
                assertThat(diff).as(name).isLessThan(1e-5);
            }
        }
    }

    /**
     * A model directory names CLIP's preprocessing by class ({@code imagePreprocessor=} in
     * serving.properties); the name resolves to the preprocessing that matches Pillow.
     */
    @Test
    void theClassNameOfAModelDirectoryResolvesToClipsPreprocessing() throws Exception {
        dev.bella.core.serve.ImagePreprocessor byName =
                dev.bella.core.serve.PosteriorTranslatorFactory.imagePreprocessor(
                        ClipPreprocessor.class.getName());
        assertThat(byName).isInstanceOf(ClipPreprocessor.class);
        try (NDManager scope = manager.newSubManager()) {
            float[] all = byName.preprocess(image("photo"), scope).toFloatArray();
            assertThat(maxAbsDiff(subsample(all, 224, 7), reference.get("photo.tensor").values()))
                    .isLessThan(1e-5);
        }
    }

    @Test
    void engineBicubicIsCloseButNotPillow() throws Exception {
        ClipPreprocessor engine =
                ClipPreprocessor.builder()
                        .optImageSize(32)
                        .optResampling(ClipPreprocessor.Resampling.ENGINE_BICUBIC)
                        .build();
        for (String name : List.of("landscape", "portrait")) {
            try (NDManager scope = manager.newSubManager()) {
                NDArray t = engine.preprocess(image(name), scope);
                float[] lv = levels(t.toFloatArray(), 32, 1);
                float[] expected = reference.get(name + ".pixels").values();
                double mean = 0;
                double max = 0;
                for (int i = 0; i < lv.length; i++) {
                    double d = Math.abs(lv[i] - expected[i]);
                    mean += d / lv.length;
                    max = Math.max(max, d);
                }
                System.out.printf(
                        "preprocess %-9s engine bicubic: mean |diff| %.2f, max %.0f grey levels%n",
                        name, mean, max);
                // Documented: not antialiased, a = -0.75; same geometry, so close on average.
                assertThat(mean).as(name).isLessThan(25);
            }
        }
    }

    @Test
    void anImageOfTheRightSizeIsOnlyNormalised() {
        BufferedImage img = new BufferedImage(224, 224, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 224; y++) {
            for (int x = 0; x < 224; x++) {
                img.setRGB(x, y, (x << 16) | (y << 8) | ((x + y) & 0xff));
            }
        }
        float[] mean = ClipPreprocessor.clipMean();
        float[] std = ClipPreprocessor.clipStd();
        for (ClipPreprocessor.Resampling r : ClipPreprocessor.Resampling.values()) {
            try (NDManager scope = manager.newSubManager()) {
                NDArray t =
                        ClipPreprocessor.builder()
                                .optResampling(r)
                                .build()
                                .preprocess(ImageFactory.getInstance().fromImage(img), scope);
                float[] v = t.toFloatArray();
                for (int y = 0; y < 224; y += 13) {
                    for (int x = 0; x < 224; x += 11) {
                        int[] rgb = {x, y, (x + y) & 0xff};
                        for (int c = 0; c < 3; c++) {
                            float expected = (rgb[c] / 255f - mean[c]) / std[c];
                            assertThat(v[(c * 224 + y) * 224 + x])
                                    .as(r + " " + c)
                                    .isEqualTo(expected);
                        }
                    }
                }
            }
        }
    }

    @Test
    void geometryFollowsTorchvision() {
        assertThat(ClipPreprocessor.resizedSize(77, 50, 32)).containsExactly(49, 32);
        assertThat(ClipPreprocessor.resizedSize(20, 27, 32)).containsExactly(32, 43);
        assertThat(ClipPreprocessor.resizedSize(640, 480, 224)).containsExactly(298, 224);
        assertThat(ClipPreprocessor.resizedSize(224, 224, 224)).containsExactly(224, 224);
        // Python's round() rounds half to even: (49 - 32) / 2 = 8.5 -> 8, 5.5 -> 6.
        assertThat(ClipPreprocessor.cropOffset(49, 32)).isEqualTo(8);
        assertThat(ClipPreprocessor.cropOffset(43, 32)).isEqualTo(6);
        assertThat(ClipPreprocessor.cropOffset(298, 224)).isEqualTo(37);
    }

    @Test
    void batchesStackAndGreyImagesBecomeRgb() {
        BufferedImage grey = new BufferedImage(40, 30, BufferedImage.TYPE_BYTE_GRAY);
        BufferedImage rgb = new BufferedImage(30, 40, BufferedImage.TYPE_INT_ARGB);
        try (NDManager scope = manager.newSubManager()) {
            ClipPreprocessor p = ClipPreprocessor.forConfig(ClipFixtures.TINY);
            NDArray batch =
                    p.preprocess(
                            List.of(
                                    ImageFactory.getInstance().fromImage(grey),
                                    ImageFactory.getInstance().fromImage(rgb)),
                            scope);
            assertThat(batch.getShape()).isEqualTo(new Shape(2, 3, 32, 32));
            assertThat(batch.getManager()).isSameAs(scope);
        }
    }

    @Test
    void badInputsAreNamed() {
        assertThatThrownBy(() -> ClipPreprocessor.builder().optImageSize(0).build())
                .hasMessageContaining("image size should be a positive integer");
        assertThatThrownBy(
                        () ->
                                ClipPreprocessor.builder()
                                        .optNormalization(
                                                new float[] {0, 0, 0}, new float[] {1, 0, 1})
                                        .build())
                .hasMessageContaining("std values must be finite and positive");
        try (NDManager scope = manager.newSubManager()) {
            NDArray chw = scope.zeros(new Shape(3, 10, 10));
            assertThatThrownBy(() -> ClipPreprocessor.create().transform(chw))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("(height, width, 3)");
        }
    }

    private static double maxAbsDiff(float[] a, float[] b) {
        assertThat(a).hasSameSizeAs(b);
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }
}
