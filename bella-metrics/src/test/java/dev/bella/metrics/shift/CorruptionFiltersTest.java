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

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class CorruptionFiltersTest {

    @Test
    void poissonHasTheRightMeanAndVarianceOnBothBranches() {
        double[] lambdas = {0.5, 3, 9.5, 10, 40, 500};
        for (double lambda : lambdas) {
            SplittableRandom rng = new SplittableRandom(99);
            int n = 100_000;
            double sum = 0;
            double sq = 0;
            for (int i = 0; i < n; i++) {
                long k = CorruptionFilters.poisson(lambda, rng);
                assertThat(k).isNotNegative();
                sum += k;
                sq += (double) k * k;
            }
            double mean = sum / n;
            double var = sq / n - mean * mean;
            double se = Math.sqrt(lambda / n);
            assertThat(mean).as("mean at %s", lambda).isCloseTo(lambda, within(5 * se));
            assertThat(var / lambda).as("variance at %s", lambda).isCloseTo(1, within(0.03));
        }
        assertThat(CorruptionFilters.poisson(0, new SplittableRandom(1))).isZero();
    }

    @Test
    void logGammaMatchesFactorials() {
        double f = 1;
        for (int k = 1; k <= 30; k++) {
            f *= k;
            assertThat(CorruptionFilters.logGamma(k + 1)).isCloseTo(Math.log(f), within(1e-10));
        }
        assertThat(CorruptionFilters.logGamma(1.5))
                .isCloseTo(Math.log(Math.sqrt(Math.PI) / 2), within(1e-10));
    }

    @Test
    void normalsAreStandard() {
        CorruptionFilters.Normals z = new CorruptionFilters.Normals(new SplittableRandom(4));
        int n = 200_000;
        double sum = 0;
        double sq = 0;
        for (int i = 0; i < n; i++) {
            double v = z.next();
            sum += v;
            sq += v * v;
        }
        assertThat(sum / n).isCloseTo(0, within(0.01));
        assertThat(sq / n).isCloseTo(1, within(0.01));
    }

    @Test
    void distanceTransformIsTheBruteForceDistanceToTheNearestDryPixel() {
        SplittableRandom rng = new SplittableRandom(5);
        int h = 13;
        int w = 17;
        for (int trial = 0; trial < 20; trial++) {
            double wetFraction = 0.2 + 0.04 * trial;
            double[] liquid = new double[h * w];
            for (int k = 0; k < liquid.length; k++) {
                liquid[k] = rng.nextDouble() < wetFraction ? 0.7 : 0;
            }
            double[] d = CorruptionFilters.distanceToDry(liquid, h, w);
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    double best = Double.POSITIVE_INFINITY;
                    for (int yy = 0; yy < h; yy++) {
                        for (int xx = 0; xx < w; xx++) {
                            if (liquid[yy * w + xx] == 0) {
                                best = Math.min(best, Math.hypot(y - yy, x - xx));
                            }
                        }
                    }
                    if (Double.isInfinite(best)) {
                        assertThat(d[y * w + x]).isGreaterThan(1e4);
                    } else {
                        assertThat(d[y * w + x]).isCloseTo(best, within(1e-9));
                    }
                }
            }
        }
    }

    @Test
    void pilBoxRowsAreNormalisedAveragesAndUpsamplingPicksOnePixel() {
        double[][] down = CorruptionFilters.pilBox(32, 20);
        for (double[] row : down) {
            double s = 0;
            for (double v : row) {
                s += v;
            }
            assertThat(s).isCloseTo(1, within(1e-12));
        }
        double[][] up = CorruptionFilters.pilBox(20, 32);
        for (double[] row : up) {
            int nonZero = 0;
            for (double v : row) {
                nonZero += v != 0 ? 1 : 0;
            }
            assertThat(nonZero).isEqualTo(1);
        }
        // An integer factor is plain block averaging.
        double[][] half = CorruptionFilters.pilBox(8, 4);
        assertThat(half[1]).containsExactly(0, 0, 0.5, 0.5, 0, 0, 0, 0);
    }

    @Test
    void smallImagesKeepTheReferencePixelSizesAndLargeOnesScale() {
        assertThat(CorruptionFilters.pixelScale(8, 8)).isEqualTo(1);
        assertThat(CorruptionFilters.pixelScale(32, 32)).isEqualTo(1);
        assertThat(CorruptionFilters.pixelScale(224, 300)).isEqualTo(7);
    }
}
