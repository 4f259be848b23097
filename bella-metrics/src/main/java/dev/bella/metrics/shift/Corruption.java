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

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Image corruptions in the style of CIFAR-10-C (Hendrycks &amp; Dietterich, "Benchmarking Neural
 * Network Robustness to Common Corruptions and Perturbations", ICLR 2019), at severities 1 to 5,
 * with CIFAR-10-C's constants.
 *
 * <p>{@link #apply(ImageBatch, int, long)} takes images with values in {@code [0, 1]} as an {@link
 * ImageBatch} (a view of a {@code float[]} in the layout {@code (N, C, H, W)}) and returns a new
 * {@code float[]} in the same layout, clipped to {@code [0, 1]}. The input is not modified. DJL
 * users call bella-core's {@code DjlArrays.corrupt(corruption, images, severity, seed)}, which
 * takes and returns an {@code NDArray} of shape {@code (N, C, H, W)}, {@code (N, H, W)} or {@code
 * (H, W)}.
 *
 * <p>Randomness is pure Java (no engine's random state is touched): image {@code i} of the batch
 * draws from the stream {@code (seed, tag, firstIndex + i)} derived as bella-core's {@code
 * Seeds.stream} does, so the same seed gives the same bits on any JVM, corrupting a data set batch
 * by batch (with {@code firstIndex} the batch's offset) gives the same result as corrupting it at
 * once, and the five severities of one image share their random draws (a higher severity is the
 * same noise, stronger).
 *
 * <p>Parameters CIFAR-10-C gives in pixels of its 32 x 32 images (the blur sigmas and spatter's
 * blob sizes) are used as they are up to a side of 32 and scaled by {@code min(H, W) / 32} above.
 * See {@code docs/robustness.md} for every constant and for what differs from CIFAR-10-C.
 *
 * <p>Thread safety: the constants are stateless; calls may run concurrently.
 */
public enum Corruption {

    /** {@code x + N(0, c^2)}, {@code c = 0.04, 0.06, 0.08, 0.09, 0.10}, independently per value. */
    GAUSSIAN_NOISE("gaussian_noise", 1, true) {
        @Override
        void corrupt(ImageBatch batch, int severity, long seed, long firstIndex) {
            CorruptionFilters.gaussianNoise(batch, severity, seed, tag, firstIndex);
        }
    },

    /** {@code Poisson(c x) / c}, {@code c = 500, 250, 100, 75, 50}: photon (shot) noise. */
    SHOT_NOISE("shot_noise", 2, true) {
        @Override
        void corrupt(ImageBatch batch, int severity, long seed, long firstIndex) {
            CorruptionFilters.shotNoise(batch, severity, seed, tag, firstIndex);
        }
    },

    /**
     * Salt and pepper: each value independently, with probability {@code c = 0.01, 0.02, 0.03,
     * 0.05, 0.07}, becomes 0 or 1 (even odds), as scikit-image's {@code random_noise(mode='s&p')}.
     */
    IMPULSE_NOISE("impulse_noise", 3, true) {
        @Override
        void corrupt(ImageBatch batch, int severity, long seed, long firstIndex) {
            CorruptionFilters.impulseNoise(batch, severity, seed, tag, firstIndex);
        }
    },

    /** {@code x + x N(0, c^2)}, {@code c = 0.06, 0.1, 0.12, 0.16, 0.2}: multiplicative noise. */
    SPECKLE_NOISE("speckle_noise", 4, true) {
        @Override
        void corrupt(ImageBatch batch, int severity, long seed, long firstIndex) {
            CorruptionFilters.speckleNoise(batch, severity, seed, tag, firstIndex);
        }
    },

    /**
     * Gaussian blur of each channel with {@code sigma = 0.4, 0.6, 0.7, 0.8, 1} pixels (scaled by
     * {@code min(H, W) / 32} above 32 pixels), truncated at 4 sigma, edges repeated (scipy's {@code
     * mode='nearest'}).
     */
    GAUSSIAN_BLUR("gaussian_blur", 5, false) {
        @Override
        void corrupt(ImageBatch batch, int severity, long seed, long firstIndex) {
            CorruptionFilters.gaussianBlur(batch, severity);
        }
    },

    /**
     * {@code (x - m) c + m} with {@code m} the mean of each image's channel, {@code c = 0.75, 0.5,
     * 0.4, 0.3, 0.15}.
     */
    CONTRAST("contrast", 6, false) {
        @Override
        void corrupt(ImageBatch batch, int severity, long seed, long firstIndex) {
            CorruptionFilters.contrast(batch, severity);
        }
    },

    /**
     * PIL's {@code BOX} resize to {@code int(side c)} pixels and back, {@code c = 0.95, 0.9, 0.85,
     * 0.75, 0.65}, each axis with its own side. On sides under 16 pixels neighbouring severities
     * can coincide (at 8 pixels {@code int(8 c)} is 7, 7, 6, 6, 5).
     */
    PIXELATE("pixelate", 7, false) {
        @Override
        void corrupt(ImageBatch batch, int severity, long seed, long firstIndex) {
            CorruptionFilters.pixelate(batch, severity);
        }
    },

    /**
     * Water drops (severities 1-3) or mud (4-5) from a thresholded, blurred noise layer, with
     * CIFAR-10-C's constants and colours; the water drops' shading is simpler than CIFAR-10-C's
     * (see {@code docs/robustness.md}).
     */
    SPATTER("spatter", 8, true) {
        @Override
        void corrupt(ImageBatch batch, int severity, long seed, long firstIndex) {
            CorruptionFilters.spatter(batch, severity, seed, tag, firstIndex);
        }
    };

    /** The lowest severity. */
    public static final int MIN_SEVERITY = 1;

    /** The highest severity. */
    public static final int MAX_SEVERITY = 5;

    /** How far outside {@code [0, 1]} an input value may be (rounding); it is clipped first. */
    public static final double RANGE_TOLERANCE = 1e-4;

    private final String referenceName;
    final long tag;
    private final boolean random;

    Corruption(String referenceName, long tag, boolean random) {
        this.referenceName = referenceName;
        this.tag = tag;
        this.random = random;
    }

    abstract void corrupt(ImageBatch batch, int severity, long seed, long firstIndex);

    /**
     * Returns the name of the corruption in CIFAR-10-C's code and file names, such as {@code
     * "gaussian_noise"}.
     *
     * @return the snake-case name
     */
    public String referenceName() {
        return referenceName;
    }

    /**
     * Returns whether the corruption draws random numbers (the seed matters). Gaussian blur,
     * contrast and pixelate are deterministic.
     *
     * @return {@code true} for the noises and spatter
     */
    public boolean isRandom() {
        return random;
    }

    /**
     * Looks a corruption up by its CIFAR-10-C name ({@code "gaussian_noise"}) or constant name
     * ({@code "GAUSSIAN_NOISE"}), ignoring case and treating {@code '-'} as {@code '_'}.
     *
     * @param name the name
     * @return the corruption
     * @throws IllegalArgumentException if no corruption has that name; the message lists them
     */
    public static Corruption fromName(String name) {
        String key = name == null ? "" : name.trim().replace('-', '_').toLowerCase(Locale.ROOT);
        for (Corruption c : values()) {
            if (c.referenceName.equals(key)) {
                return c;
            }
        }
        throw new IllegalArgumentException(
                "unknown corruption \""
                        + name
                        + "\"; expected one of "
                        + Arrays.stream(values())
                                .map(Corruption::referenceName)
                                .collect(Collectors.joining(", ")));
    }

    /**
     * Corrupts a batch of images; image {@code i} uses the random stream {@code (seed, i)}.
     *
     * @param images values in {@code [0, 1]}
     * @param severity 1 (mildest) to 5
     * @param seed the seed of the random draws (ignored by deterministic corruptions)
     * @return a new array in the layout of {@code images}, values in {@code [0, 1]}
     * @throws IllegalArgumentException for a severity outside 1..5, or a value outside {@code [0,
     *     1]} (beyond {@link #RANGE_TOLERANCE}) or NaN
     */
    public float[] apply(ImageBatch images, int severity, long seed) {
        return apply(images, severity, seed, 0);
    }

    /**
     * Corrupts a batch of images that starts at position {@code firstIndex} of a larger set: image
     * {@code i} uses the random stream {@code (seed, firstIndex + i)}, so corrupting a data set in
     * batches gives the same values as corrupting it at once.
     *
     * @param images values in {@code [0, 1]}
     * @param severity 1 (mildest) to 5
     * @param seed the seed of the random draws (ignored by deterministic corruptions)
     * @param firstIndex the index of the batch's first image in the data set, {@code >= 0}
     * @return a new array in the layout of {@code images}, values in {@code [0, 1]}
     * @throws IllegalArgumentException for a severity outside 1..5, a negative {@code firstIndex},
     *     or a value outside {@code [0, 1]} (beyond {@link #RANGE_TOLERANCE}) or NaN
     */
    public float[] apply(ImageBatch images, int severity, long seed, long firstIndex) {
        if (images == null) {
            throw new IllegalArgumentException("images must not be null");
        }
        checkSeverity(severity);
        if (firstIndex < 0) {
            throw new IllegalArgumentException("firstIndex must be >= 0, got " + firstIndex);
        }
        checkRange(images.data());
        float[] data = images.data().clone();
        clip(data);
        corrupt(images.over(data), severity, seed, firstIndex);
        clip(data);
        return data;
    }

    private static void checkSeverity(int severity) {
        if (severity < MIN_SEVERITY || severity > MAX_SEVERITY) {
            throw new IllegalArgumentException(
                    "severity must be in 1..5, got "
                            + severity
                            + " (1 is the mildest, 5 the strongest, as in CIFAR-10-C)");
        }
    }

    private static void checkRange(float[] data) {
        for (int i = 0; i < data.length; i++) {
            float v = data[i];
            if (!(v >= -RANGE_TOLERANCE && v <= 1 + RANGE_TOLERANCE)) {
                throw new IllegalArgumentException(
                        "images must have values in [0, 1], got "
                                + v
                                + " at flat index "
                                + i
                                + "; scale 8-bit images by 1/255 and undo any normalisation"
                                + " before corrupting");
            }
        }
    }

    private static void clip(float[] data) {
        for (int i = 0; i < data.length; i++) {
            data[i] = Math.min(1f, Math.max(0f, data[i]));
        }
    }
}
