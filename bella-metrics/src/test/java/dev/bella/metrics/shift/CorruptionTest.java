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
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class CorruptionTest {

    /** CIFAR-sized colour images, MNIST-sized and 8 x 8 (scikit-learn digits) grayscale. */
    private static final int[][] SIZES = {{4, 3, 32, 32}, {4, 1, 28, 28}, {8, 1, 8, 8}};

    private static float[] run(Corruption c, int[] s, float[] clean, int severity, long seed) {
        return c.apply(ImageBatch.of(clean, s[0], s[1], s[2], s[3]), severity, seed, 0);
    }

    private static double[] strengths(Corruption c, int[] s) {
        float[] clean = TestImages.synthetic(s[0], s[1], s[2], s[3], 5);
        double[] d = new double[5];
        for (int sev = 1; sev <= 5; sev++) {
            d[sev - 1] = TestImages.meanAbsDiff(run(c, s, clean, sev, 11), clean);
        }
        return d;
    }

    private static void assertStrictlyIncreasing(double[] d, String what) {
        for (int i = 1; i < d.length; i++) {
            assertThat(d[i]).as(what + " " + Arrays.toString(d)).isGreaterThan(d[i - 1]);
        }
    }

    @ParameterizedTest
    @EnumSource(
            value = Corruption.class,
            names = {
                "GAUSSIAN_NOISE",
                "SHOT_NOISE",
                "IMPULSE_NOISE",
                "SPECKLE_NOISE",
                "GAUSSIAN_BLUR",
                "CONTRAST"
            })
    void strengthGrowsWithSeverityAtEverySize(Corruption c) {
        for (int[] s : SIZES) {
            double[] d = strengths(c, s);
            assertThat(d[0]).as(c + " changes the images").isGreaterThan(1e-3);
            assertStrictlyIncreasing(d, c + " at " + Arrays.toString(s));
        }
    }

    @Test
    void contrastShrinksTheSpreadOfEveryImage() {
        for (int[] s : SIZES) {
            float[] clean = TestImages.synthetic(s[0], s[1], s[2], s[3], 5);
            double previous = TestImages.std(clean);
            for (int sev = 1; sev <= 5; sev++) {
                double std = TestImages.std(run(Corruption.CONTRAST, s, clean, sev, 0));
                assertThat(std).as("severity " + sev).isLessThan(previous);
                previous = std;
            }
        }
    }

    @Test
    void pixelateLosesMoreDetailWithSeverityFromSixteenPixelsAndRepeatsBelow() {
        // Pixelation removes detail, so its strength is measured on detail: white noise. (On a
        // smooth image with a few edges the change depends on where the block boundaries fall
        // and need not grow at every step, in CIFAR-10-C's Pillow resizes as here.)
        for (int side : new int[] {16, 28, 32, 40}) {
            float[] noise = noise(4 * side * side, side);
            double[] d = new double[5];
            for (int sev = 1; sev <= 5; sev++) {
                float[] out =
                        Corruption.PIXELATE.apply(
                                ImageBatch.of(noise, 4, 1, side, side), sev, 0, 0);
                d[sev - 1] = TestImages.meanAbsDiff(out, noise);
            }
            assertThat(d[0]).isGreaterThan(1e-3);
            assertStrictlyIncreasing(d, "pixelate at " + side);
        }
        // 8 pixels: int(8 c) = 7, 7, 6, 6, 5, so severities 1 = 2 and 3 = 4 (documented).
        float[] clean = noise(4 * 64, 8);
        float[][] out = new float[6][];
        for (int sev = 1; sev <= 5; sev++) {
            out[sev] = Corruption.PIXELATE.apply(ImageBatch.of(clean, 4, 1, 8, 8), sev, 0, 0);
        }
        assertThat(out[2]).containsExactly(out[1]);
        assertThat(out[4]).containsExactly(out[3]);
        double d1 = TestImages.meanAbsDiff(out[1], clean);
        double d3 = TestImages.meanAbsDiff(out[3], clean);
        double d5 = TestImages.meanAbsDiff(out[5], clean);
        assertThat(d1).isGreaterThan(1e-3);
        assertThat(d3).isGreaterThan(d1);
        assertThat(d5).isGreaterThan(d3);
    }

    private static float[] noise(int size, long seed) {
        java.util.SplittableRandom rng = new java.util.SplittableRandom(seed);
        float[] v = new float[size];
        for (int i = 0; i < size; i++) {
            v[i] = (float) rng.nextDouble();
        }
        return v;
    }

    @Test
    void spatterGrowsWithinWaterAndWithinMud() {
        // Severities 1-3 are translucent water, 4-5 opaque mud on a smaller area; as in
        // CIFAR-10-C the two kinds are not ordered by mean change (documented).
        for (int[] s : SIZES) {
            double[] d = strengths(Corruption.SPATTER, s);
            String what = "spatter at " + Arrays.toString(s);
            assertThat(d[0]).as(what).isGreaterThan(1e-3);
            assertStrictlyIncreasing(Arrays.copyOfRange(d, 0, 3), what + " water");
            assertStrictlyIncreasing(Arrays.copyOfRange(d, 3, 5), what + " mud");
        }
    }

    @ParameterizedTest
    @EnumSource(Corruption.class)
    void sameSeedSameBitsAndOtherSeedOtherNoise(Corruption c) {
        int[] s = {3, 3, 16, 16};
        float[] clean = TestImages.synthetic(s[0], s[1], s[2], s[3], 9);
        for (int sev = 1; sev <= 5; sev++) {
            float[] a = run(c, s, clean, sev, 1234);
            float[] b = run(c, s, clean, sev, 1234);
            float[] other = run(c, s, clean, sev, 1235);
            assertThat(b).containsExactly(a);
            if (c.isRandom()) {
                assertThat(other).isNotEqualTo(a);
            } else {
                assertThat(other).containsExactly(a);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Corruption.class)
    void batchesWithFirstIndexEqualTheWholeSet(Corruption c) {
        int[] s = {5, 1, 8, 8};
        int image = s[1] * s[2] * s[3];
        float[] all = TestImages.synthetic(s[0], s[1], s[2], s[3], 4);
        float[] whole = run(c, s, all, 3, 77);
        float[] head = Arrays.copyOfRange(all, 0, 2 * image);
        float[] tail = Arrays.copyOfRange(all, 2 * image, all.length);
        float[] a = c.apply(ImageBatch.of(head, 2, s[1], s[2], s[3]), 3, 77, 0);
        float[] b = c.apply(ImageBatch.of(tail, 3, s[1], s[2], s[3]), 3, 77, 2);
        float[] joined = Arrays.copyOf(a, all.length);
        System.arraycopy(b, 0, joined, a.length, b.length);
        assertThat(joined).containsExactly(whole);
    }

    @Test
    void noiseSeveritiesAreNested() {
        // The severities share their draws: impulse noise flips a superset at each step, and
        // Gaussian noise is the same field scaled (before clipping).
        int[] s = {2, 1, 16, 16};
        float[] grey = new float[2 * 16 * 16];
        Arrays.fill(grey, 0.5f);
        boolean[] flipped = new boolean[grey.length];
        for (int sev = 1; sev <= 5; sev++) {
            float[] out = run(Corruption.IMPULSE_NOISE, s, grey, sev, 3);
            for (int k = 0; k < out.length; k++) {
                if (flipped[k]) {
                    assertThat(out[k]).isNotEqualTo(0.5f);
                }
                flipped[k] = out[k] != 0.5f;
            }
        }
        float[] one = run(Corruption.GAUSSIAN_NOISE, s, grey, 1, 3);
        float[] five = run(Corruption.GAUSSIAN_NOISE, s, grey, 5, 3);
        for (int k = 0; k < one.length; k++) {
            assertThat(five[k] - 0.5).isCloseTo((one[k] - 0.5) * 0.10 / 0.04, within(1e-5));
        }
    }

    private static org.assertj.core.data.Offset<Double> within(double d) {
        return org.assertj.core.data.Offset.offset(d);
    }

    @Test
    void impulseNoiseHitsTheExpectedFractionWithEvenSaltAndPepper() {
        int n = 200_000;
        float[] grey = new float[n];
        Arrays.fill(grey, 0.5f);
        float[] out = Corruption.IMPULSE_NOISE.apply(ImageBatch.of(grey, 1, 1, 1, n), 5, 8, 0);
        int salt = 0;
        int pepper = 0;
        for (float v : out) {
            salt += v == 1f ? 1 : 0;
            pepper += v == 0f ? 1 : 0;
        }
        assertThat((salt + pepper) / (double) n).isCloseTo(0.07, within(0.003));
        assertThat(salt / (double) (salt + pepper)).isCloseTo(0.5, within(0.02));
    }

    @Test
    void shotNoiseIsPoissonAroundTheImage() {
        int n = 100_000;
        float[] grey = new float[n];
        Arrays.fill(grey, 0.3f);
        for (int sev = 1; sev <= 5; sev++) {
            double c = CorruptionFilters.SHOT_NOISE[sev - 1];
            float[] out = Corruption.SHOT_NOISE.apply(ImageBatch.of(grey, 1, 1, 1, n), sev, 8, 0);
            double mean = 0;
            double var = 0;
            for (float v : out) {
                mean += v;
            }
            mean /= n;
            for (float v : out) {
                var += (v - mean) * (v - mean);
            }
            var /= n - 1;
            // Poisson(0.3 c) / c has mean 0.3 and variance 0.3 / c.
            assertThat(mean).as("severity " + sev).isCloseTo(0.3, within(0.002));
            assertThat(var * c / 0.3).as("severity " + sev).isCloseTo(1.0, within(0.03));
        }
    }

    @Test
    void namesRoundTripAndUnknownNamesListTheChoices() {
        for (Corruption c : Corruption.values()) {
            assertThat(Corruption.fromName(c.referenceName())).isSameAs(c);
            assertThat(Corruption.fromName(c.name())).isSameAs(c);
        }
        assertThat(Corruption.fromName("Gaussian-Blur")).isSameAs(Corruption.GAUSSIAN_BLUR);
        assertThatThrownBy(() -> Corruption.fromName("fog"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown corruption \"fog\"")
                .hasMessageContaining("spatter");
    }

    @Test
    void badArgumentsAreNamedInTheError() {
        ImageBatch ok = ImageBatch.of(new float[16], 1, 1, 4, 4);
        Corruption c = Corruption.GAUSSIAN_NOISE;
        assertThatThrownBy(() -> c.apply(ok, 0, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("severity must be in 1..5, got 0");
        assertThatThrownBy(() -> c.apply(ok, 6, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("got 6");
        assertThatThrownBy(() -> c.apply(ok, 1, 1, -1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("firstIndex must be >= 0, got -1");
        float[] v = new float[16];
        v[5] = 1.5f;
        assertThatThrownBy(() -> c.apply(ImageBatch.of(v.clone(), 1, 1, 4, 4), 1, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("[0, 1], got 1.5 at flat index 5");
        v[5] = -0.2f;
        assertThatThrownBy(() -> c.apply(ImageBatch.of(v.clone(), 1, 1, 4, 4), 1, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("got -0.2");
        v[5] = Float.NaN;
        assertThatThrownBy(() -> c.apply(ImageBatch.of(v.clone(), 1, 1, 4, 4), 1, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("got NaN");
        v[5] = 1.00001f; // rounding is tolerated and clipped
        for (float x : c.apply(ImageBatch.of(v, 1, 1, 4, 4), 1, 1)) {
            assertThat(x).isBetween(0f, 1f);
        }
        assertThat(v[5]).as("input unchanged").isEqualTo(1.00001f);
    }

    @Test
    void imageBatchChecksItsShapeAndNamesTheValues() {
        assertThatThrownBy(() -> ImageBatch.of(new float[7], 1, 1, 2, 4))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "pixels.length = 7 is not count * channels * height * width"
                                + " = 1 * 1 * 2 * 4");
        assertThatThrownBy(() -> ImageBatch.of(new float[0], 2, 1, 2, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least 1 x 1");
        assertThatThrownBy(() -> ImageBatch.of(new float[0], -1, 1, 2, 2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("count = -1");
        assertThatThrownBy(() -> ImageBatch.of(null, 0, 1, 2, 2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("pixels must not be null");
    }

    @Test
    void emptyBatchGivesAnEmptyBatch() {
        assertThat(Corruption.SPATTER.apply(ImageBatch.of(new float[0], 0, 3, 4, 4), 3, 1))
                .isEmpty();
    }
}
