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

import java.util.SplittableRandom;

/**
 * The pixel maths of every {@link Corruption}, in plain Java on a batch of images stored as one
 * {@code float[]} in the layout {@code (N, C, H, W)}, values in {@code [0, 1]}. Each kernel works
 * in place, in double precision, and leaves the final clipping to {@code [0, 1]} to its caller.
 *
 * <p>The constants are those of CIFAR-10-C's {@code make_cifar_c.py} (Hendrycks &amp; Dietterich,
 * "Benchmarking Neural Network Robustness to Common Corruptions and Perturbations", ICLR 2019),
 * where they are written for 32 x 32 images. Randomness comes from {@link SeededStreams#stream}
 * with the tags {@code (corruption tag, image index)}, and every transcendental function from
 * {@link StrictMath}, so a seed gives the same bits on every JVM. The severity is not a tag: the
 * five severities of one image share their random draws.
 */
final class CorruptionFilters {

    /** The image side CIFAR-10-C's constants are written for. */
    static final int REFERENCE_SIDE = 32;

    /** Gaussian noise: the standard deviation {@code c} of {@code x + N(0, c^2)}. */
    static final double[] GAUSSIAN_NOISE = {0.04, 0.06, 0.08, 0.09, 0.10};

    /** Shot noise: the photon count {@code c} of {@code Poisson(c x) / c}. */
    static final double[] SHOT_NOISE = {500, 250, 100, 75, 50};

    /** Impulse noise: the fraction of values set to 0 or 1. */
    static final double[] IMPULSE_NOISE = {0.01, 0.02, 0.03, 0.05, 0.07};

    /** Speckle noise: the standard deviation {@code c} of {@code x + x N(0, c^2)}. */
    static final double[] SPECKLE_NOISE = {0.06, 0.1, 0.12, 0.16, 0.2};

    /** Gaussian blur: sigma in pixels of a 32-pixel image. */
    static final double[] GAUSSIAN_BLUR = {0.4, 0.6, 0.7, 0.8, 1.0};

    /** Contrast: the factor {@code c} of {@code (x - mean) c + mean}. */
    static final double[] CONTRAST = {0.75, 0.5, 0.4, 0.3, 0.15};

    /** Pixelate: the fraction of the side the image is box-resampled to. */
    static final double[] PIXELATE = {0.95, 0.9, 0.85, 0.75, 0.65};

    /**
     * Spatter: {@code (loc, scale, sigma, threshold, intensity or mud sigma, mud)} of the liquid
     * layer {@code N(loc, scale^2)} blurred with {@code sigma} pixels and cut at {@code threshold};
     * severities 1-3 are water (intensity), 4-5 mud (the sigma of the mud mask's blur).
     */
    static final double[][] SPATTER = {
        {0.62, 0.1, 0.7, 0.7, 0.5, 0},
        {0.65, 0.1, 0.8, 0.7, 0.5, 0},
        {0.65, 0.3, 1.0, 0.69, 0.5, 0},
        {0.65, 0.1, 0.7, 0.69, 0.6, 1},
        {0.65, 0.1, 0.5, 0.68, 0.6, 1},
    };

    /** Water is pale turquoise (RGB). */
    static final double[] WATER_RGB = {175 / 255.0, 238 / 255.0, 238 / 255.0};

    /** Mud is brown (RGB). */
    static final double[] MUD_RGB = {63 / 255.0, 42 / 255.0, 20 / 255.0};

    /** CIFAR-10-C's cap on the distance to a drop's edge, in pixels of a 32-pixel image. */
    static final double SPATTER_DISTANCE_CAP = 20;

    private CorruptionFilters() {}

    /**
     * The factor applied to parameters given in pixels (blur sigmas, spatter sizes): 1 up to the
     * reference side of 32 pixels, {@code min(h, w) / 32} above it. Smaller images keep the
     * 32-pixel values, because scaling them down would make the blur sub-pixel and the corruption
     * vanish.
     */
    static double pixelScale(int h, int w) {
        return Math.max(1.0, Math.min(h, w) / (double) REFERENCE_SIDE);
    }

    // ----------------------------------------------------------------------------------------
    // Noise

    static void gaussianNoise(ImageBatch b, int severity, long seed, long tag, long firstIndex) {
        double c = GAUSSIAN_NOISE[severity - 1];
        for (int i = 0; i < b.count(); i++) {
            Normals z = new Normals(SeededStreams.stream(seed, tag, firstIndex + i));
            int from = i * b.image();
            for (int k = from; k < from + b.image(); k++) {
                b.data()[k] = (float) (b.data()[k] + c * z.next());
            }
        }
    }

    static void shotNoise(ImageBatch b, int severity, long seed, long tag, long firstIndex) {
        double c = SHOT_NOISE[severity - 1];
        for (int i = 0; i < b.count(); i++) {
            SplittableRandom rng = SeededStreams.stream(seed, tag, firstIndex + i);
            int from = i * b.image();
            for (int k = from; k < from + b.image(); k++) {
                b.data()[k] = (float) (poisson(c * b.data()[k], rng) / c);
            }
        }
    }

    static void impulseNoise(ImageBatch b, int severity, long seed, long tag, long firstIndex) {
        double amount = IMPULSE_NOISE[severity - 1];
        for (int i = 0; i < b.count(); i++) {
            SplittableRandom rng = SeededStreams.stream(seed, tag, firstIndex + i);
            int from = i * b.image();
            for (int k = from; k < from + b.image(); k++) {
                // Two draws for every value, used or not, so that severities stay nested.
                double flip = rng.nextDouble();
                double salt = rng.nextDouble();
                if (flip < amount) {
                    b.data()[k] = salt < 0.5 ? 1f : 0f;
                }
            }
        }
    }

    static void speckleNoise(ImageBatch b, int severity, long seed, long tag, long firstIndex) {
        double c = SPECKLE_NOISE[severity - 1];
        for (int i = 0; i < b.count(); i++) {
            Normals z = new Normals(SeededStreams.stream(seed, tag, firstIndex + i));
            int from = i * b.image();
            for (int k = from; k < from + b.image(); k++) {
                double x = b.data()[k];
                b.data()[k] = (float) (x + x * c * z.next());
            }
        }
    }

    // ----------------------------------------------------------------------------------------
    // Deterministic corruptions

    static void gaussianBlur(ImageBatch b, int severity) {
        double sigma = GAUSSIAN_BLUR[severity - 1] * pixelScale(b.height(), b.width());
        double[] kernel = gaussianKernel(sigma);
        double[] plane = new double[b.plane()];
        for (int p = 0; p < b.count() * b.channels(); p++) {
            int from = p * b.plane();
            for (int k = 0; k < plane.length; k++) {
                plane[k] = b.data()[from + k];
            }
            blur(plane, b.height(), b.width(), kernel);
            for (int k = 0; k < plane.length; k++) {
                b.data()[from + k] = (float) plane[k];
            }
        }
    }

    static void contrast(ImageBatch b, int severity) {
        double c = CONTRAST[severity - 1];
        for (int p = 0; p < b.count() * b.channels(); p++) {
            int from = p * b.plane();
            double sum = 0;
            for (int k = from; k < from + b.plane(); k++) {
                sum += b.data()[k];
            }
            double mean = sum / b.plane();
            for (int k = from; k < from + b.plane(); k++) {
                b.data()[k] = (float) ((b.data()[k] - mean) * c + mean);
            }
        }
    }

    static void pixelate(ImageBatch b, int severity) {
        double c = PIXELATE[severity - 1];
        Banded rows = Banded.of(pixelateOperator(b.height(), c));
        Banded cols = Banded.of(pixelateOperator(b.width(), c));
        double[] tmp = new double[b.plane()];
        for (int p = 0; p < b.count() * b.channels(); p++) {
            int from = p * b.plane();
            // tmp = X cols^T, then out = rows tmp
            for (int y = 0; y < b.height(); y++) {
                for (int x = 0; x < b.width(); x++) {
                    double s = 0;
                    double[] wts = cols.weights[x];
                    int start = from + y * b.width() + cols.start[x];
                    for (int t = 0; t < wts.length; t++) {
                        s += wts[t] * b.data()[start + t];
                    }
                    tmp[y * b.width() + x] = s;
                }
            }
            for (int y = 0; y < b.height(); y++) {
                double[] wts = rows.weights[y];
                for (int x = 0; x < b.width(); x++) {
                    double s = 0;
                    for (int t = 0; t < wts.length; t++) {
                        s += wts[t] * tmp[(rows.start[y] + t) * b.width() + x];
                    }
                    b.data()[from + y * b.width() + x] = (float) s;
                }
            }
        }
    }

    /**
     * The linear map of pixelation along one axis of length {@code side}, as a {@code side x side}
     * matrix: CIFAR-10-C's PIL {@code BOX} resize to {@code int(side * c)} pixels and back, with
     * the image's own side in place of CIFAR-10-C's fixed 32 (and at least one pixel).
     */
    static double[][] pixelateOperator(int side, double c) {
        int small = Math.max(1, (int) (side * c));
        return multiply(pilBox(small, side), pilBox(side, small));
    }

    /**
     * PIL's resampling weights for {@code Image.BOX} ({@code precompute_coeffs} in Pillow's {@code
     * Resample.c}): an {@code outSize x inSize} matrix, each row normalised to sum 1.
     */
    static double[][] pilBox(int inSize, int outSize) {
        double scale = (double) inSize / outSize;
        double filterScale = Math.max(scale, 1.0);
        double support = 0.5 * filterScale;
        double ss = 1.0 / filterScale;
        double[][] w = new double[outSize][inSize];
        for (int xx = 0; xx < outSize; xx++) {
            double center = (xx + 0.5) * scale;
            int xmin = Math.max(0, (int) (center - support + 0.5));
            int xmax = Math.min(inSize, (int) (center + support + 0.5));
            double total = 0;
            for (int x = xmin; x < xmax; x++) {
                double u = (x - center + 0.5) * ss;
                double v = u > -0.5 && u <= 0.5 ? 1.0 : 0.0;
                w[xx][x] = v;
                total += v;
            }
            if (total != 0) {
                for (int x = xmin; x < xmax; x++) {
                    w[xx][x] /= total;
                }
            }
        }
        return w;
    }

    // ----------------------------------------------------------------------------------------
    // Spatter

    /**
     * Water drops (severities 1-3) or mud (4-5) on a liquid layer made, as in CIFAR-10-C, of
     * Gaussian noise {@code N(loc, scale^2)} blurred with {@code sigma} and cut at {@code
     * threshold}; one layer per image, shared by its channels. Mud is CIFAR-10-C's exactly; water
     * drops are shaded by their liquid value times the distance to the drop's edge, in place of
     * CIFAR-10-C's OpenCV chain (Canny edges, distance transform, histogram equalisation, emboss).
     */
    static void spatter(ImageBatch b, int severity, long seed, long tag, long firstIndex) {
        double[] noise = new double[b.plane()];
        for (int i = 0; i < b.count(); i++) {
            Normals z = new Normals(SeededStreams.stream(seed, tag, firstIndex + i));
            for (int k = 0; k < noise.length; k++) {
                noise[k] = z.next();
            }
            spatterImage(b, i, severity, noise);
        }
    }

    /** Spatter on image {@code i} of the batch, from its standard normal field {@code noise}. */
    static void spatterImage(ImageBatch b, int i, int severity, double[] noise) {
        double[] p = SPATTER[severity - 1];
        double scale = pixelScale(b.height(), b.width());
        double[] liquid = new double[b.plane()];
        for (int k = 0; k < liquid.length; k++) {
            liquid[k] = p[0] + p[1] * noise[k];
        }
        blur(liquid, b.height(), b.width(), gaussianKernel(p[2] * scale));
        for (int k = 0; k < liquid.length; k++) {
            if (liquid[k] < p[3]) {
                liquid[k] = 0;
            }
        }
        double[] mask = new double[b.plane()];
        if (p[5] != 0) { // mud, as CIFAR-10-C
            for (int k = 0; k < liquid.length; k++) {
                mask[k] = liquid[k] > p[3] ? 1 : 0;
            }
            blur(mask, b.height(), b.width(), gaussianKernel(p[4] * scale));
            for (int k = 0; k < mask.length; k++) {
                if (mask[k] < 0.8) {
                    mask[k] = 0;
                }
            }
            for (int ch = 0; ch < b.channels(); ch++) {
                double colour = colour(MUD_RGB, b.channels(), ch);
                int from = i * b.image() + ch * b.plane();
                for (int k = 0; k < mask.length; k++) {
                    double x = b.data()[from + k];
                    b.data()[from + k] = (float) (x * (1 - mask[k]) + mask[k] * colour);
                }
            }
            return;
        }
        // water: drops shaded by liquid value times the distance to the drop's edge
        double[] dist = distanceToDry(liquid, b.height(), b.width());
        double cap = SPATTER_DISTANCE_CAP * scale;
        double max = 0;
        for (int k = 0; k < mask.length; k++) {
            mask[k] = liquid[k] * Math.min(dist[k], cap);
            max = Math.max(max, mask[k]);
        }
        if (max == 0) {
            return; // no drop on this image
        }
        for (int ch = 0; ch < b.channels(); ch++) {
            double colour = colour(WATER_RGB, b.channels(), ch);
            int from = i * b.image() + ch * b.plane();
            for (int k = 0; k < mask.length; k++) {
                double m = p[4] * mask[k] / max;
                b.data()[from + k] = (float) (b.data()[from + k] + m * colour);
            }
        }
    }

    /** The RGB colour's channel {@code ch} for 3 channels, its luma (ITU-R BT.601) otherwise. */
    static double colour(double[] rgb, int channels, int ch) {
        if (channels == 3) {
            return rgb[ch];
        }
        return 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2];
    }

    /**
     * Euclidean distance from every wet pixel ({@code liquid > 0}) to the nearest dry pixel in the
     * image, 0 on dry pixels (Felzenszwalb &amp; Huttenlocher's exact transform). With no dry
     * pixel, every distance is huge and the caller's cap applies.
     */
    static double[] distanceToDry(double[] liquid, int h, int w) {
        final double far = 1e10; // finite, so that the parabola intersections stay exact
        double[] f = new double[h * w];
        for (int k = 0; k < f.length; k++) {
            f[k] = liquid[k] > 0 ? far : 0;
        }
        int n = Math.max(h, w);
        double[] line = new double[n];
        double[] out = new double[n];
        int[] v = new int[n];
        double[] z = new double[n + 1];
        for (int x = 0; x < w; x++) {
            for (int y = 0; y < h; y++) {
                line[y] = f[y * w + x];
            }
            squaredDistance1d(line, h, out, v, z);
            for (int y = 0; y < h; y++) {
                f[y * w + x] = out[y];
            }
        }
        for (int y = 0; y < h; y++) {
            System.arraycopy(f, y * w, line, 0, w);
            squaredDistance1d(line, w, out, v, z);
            for (int x = 0; x < w; x++) {
                f[y * w + x] = Math.sqrt(out[x]);
            }
        }
        return f;
    }

    private static void squaredDistance1d(double[] f, int n, double[] d, int[] v, double[] z) {
        int k = 0;
        v[0] = 0;
        z[0] = Double.NEGATIVE_INFINITY;
        z[1] = Double.POSITIVE_INFINITY;
        for (int q = 1; q < n; q++) {
            double s = intersection(f, q, v[k]);
            while (s <= z[k]) { // z[0] is -infinity, so k never goes below 0
                k--;
                s = intersection(f, q, v[k]);
            }
            k++;
            v[k] = q;
            z[k] = s;
            z[k + 1] = Double.POSITIVE_INFINITY;
        }
        k = 0;
        for (int q = 0; q < n; q++) {
            while (z[k + 1] < q) {
                k++;
            }
            double dq = q - v[k];
            d[q] = dq * dq + f[v[k]];
        }
    }

    /** Where the parabolas rooted at {@code q} and {@code r} intersect. */
    private static double intersection(double[] f, int q, int r) {
        return ((f[q] + (double) q * q) - (f[r] + (double) r * r)) / (2.0 * q - 2.0 * r);
    }

    // ----------------------------------------------------------------------------------------
    // Shared pieces

    /**
     * The normalised Gaussian kernel of {@code scipy.ndimage.gaussian_filter} (and so of
     * scikit-image's {@code gaussian}, which CIFAR-10-C calls): radius {@code int(4 sigma + 0.5)}.
     */
    static double[] gaussianKernel(double sigma) {
        int radius = (int) (4.0 * sigma + 0.5);
        double[] k = new double[2 * radius + 1];
        double sum = 0;
        for (int i = -radius; i <= radius; i++) {
            k[i + radius] = StrictMath.exp(-0.5 * i * i / (sigma * sigma));
            sum += k[i + radius];
        }
        for (int i = 0; i < k.length; i++) {
            k[i] /= sum;
        }
        return k;
    }

    /**
     * Separable correlation with {@code kernel} along the rows axis, then the columns axis, with
     * scipy's {@code mode='nearest'} border (the edge value repeats); in place.
     */
    static void blur(double[] plane, int h, int w, double[] kernel) {
        int r = kernel.length / 2;
        double[] tmp = new double[plane.length];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                double s = 0;
                for (int t = -r; t <= r; t++) {
                    int yy = Math.min(h - 1, Math.max(0, y + t));
                    s += kernel[t + r] * plane[yy * w + x];
                }
                tmp[y * w + x] = s;
            }
        }
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                double s = 0;
                for (int t = -r; t <= r; t++) {
                    int xx = Math.min(w - 1, Math.max(0, x + t));
                    s += kernel[t + r] * tmp[y * w + xx];
                }
                plane[y * w + x] = s;
            }
        }
    }

    private static double[][] multiply(double[][] a, double[][] b) {
        double[][] out = new double[a.length][b[0].length];
        for (int i = 0; i < a.length; i++) {
            for (int k = 0; k < b.length; k++) {
                if (a[i][k] != 0) {
                    for (int j = 0; j < b[0].length; j++) {
                        out[i][j] += a[i][k] * b[k][j];
                    }
                }
            }
        }
        return out;
    }

    /** A matrix whose rows are stored from their first to their last non-zero entry. */
    static final class Banded {
        final int[] start;
        final double[][] weights;

        private Banded(int[] start, double[][] weights) {
            this.start = start;
            this.weights = weights;
        }

        static Banded of(double[][] m) {
            int[] start = new int[m.length];
            double[][] weights = new double[m.length][];
            for (int i = 0; i < m.length; i++) {
                int first = 0;
                while (first < m[i].length && m[i][first] == 0) {
                    first++;
                }
                int last = m[i].length - 1;
                while (last >= first && m[i][last] == 0) {
                    last--;
                }
                start[i] = Math.min(first, m[i].length - 1);
                weights[i] = new double[Math.max(0, last - first + 1)];
                System.arraycopy(m[i], first, weights[i], 0, weights[i].length);
            }
            return new Banded(start, weights);
        }
    }

    /** Standard normal draws by the Box-Muller transform, two per pair of uniforms. */
    static final class Normals {
        private final SplittableRandom rng;
        private double spare;
        private boolean hasSpare;

        Normals(SplittableRandom rng) {
            this.rng = rng;
        }

        double next() {
            if (hasSpare) {
                hasSpare = false;
                return spare;
            }
            double u1 = 1.0 - rng.nextDouble(); // (0, 1]
            double u2 = rng.nextDouble();
            double r = StrictMath.sqrt(-2.0 * StrictMath.log(u1));
            double a = 2.0 * Math.PI * u2;
            spare = r * StrictMath.sin(a);
            hasSpare = true;
            return r * StrictMath.cos(a);
        }
    }

    /**
     * A Poisson draw with mean {@code lambda}: multiplication of uniforms below 10, Hörmann's
     * transformed rejection (PTRS, as in NumPy) from 10 up.
     */
    static long poisson(double lambda, SplittableRandom rng) {
        if (lambda <= 0) {
            return 0;
        }
        if (lambda < 10) {
            double limit = StrictMath.exp(-lambda);
            long k = 0;
            double prod = rng.nextDouble();
            while (prod > limit) {
                k++;
                prod *= rng.nextDouble();
            }
            return k;
        }
        double slam = StrictMath.sqrt(lambda);
        double logLam = StrictMath.log(lambda);
        double b = 0.931 + 2.53 * slam;
        double a = -0.059 + 0.02483 * b;
        double invAlpha = 1.1239 + 1.1328 / (b - 3.4);
        double vr = 0.9277 - 3.6224 / (b - 2);
        while (true) {
            double u = rng.nextDouble() - 0.5;
            double v = rng.nextDouble();
            double us = 0.5 - Math.abs(u);
            long k = (long) Math.floor((2 * a / us + b) * u + lambda + 0.43);
            if (us >= 0.07 && v <= vr) {
                return k;
            }
            if (k < 0 || (us < 0.013 && v > us)) {
                continue;
            }
            if (StrictMath.log(v) + StrictMath.log(invAlpha) - StrictMath.log(a / (us * us) + b)
                    <= -lambda + k * logLam - logGamma(k + 1)) {
                return k;
            }
        }
    }

    /** {@code log Gamma(x)} for {@code x >= 1}, by Stirling's series (NumPy's {@code loggam}). */
    static double logGamma(double x) {
        final double[] a = {
            8.333333333333333e-02, -2.777777777777778e-03, 7.936507936507937e-04,
            -5.952380952380952e-04, 8.417508417508418e-04, -1.917526917526918e-03,
            6.410256410256410e-03, -2.955065359477124e-02, 1.796443723688307e-01,
            -1.39243221690590e+00
        };
        if (x == 1.0 || x == 2.0) {
            return 0.0;
        }
        int n = x < 7.0 ? (int) (7 - x) : 0;
        double x0 = x + n;
        double x2 = (1.0 / x0) * (1.0 / x0);
        double gl0 = a[9];
        for (int k = 8; k >= 0; k--) {
            gl0 = gl0 * x2 + a[k];
        }
        double gl = gl0 / x0 + 0.5 * 1.8378770664093453 + (x0 - 0.5) * StrictMath.log(x0) - x0;
        if (x0 <= 7.0) {
            for (int k = 1; k <= n; k++) {
                gl -= StrictMath.log(x0 - 1.0);
                x0 -= 1.0;
            }
        }
        return gl;
    }
}
