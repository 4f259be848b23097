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
package dev.bella.metrics.interop;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.bella.metrics.ParticleProbabilities;
import dev.bella.metrics.ProbabilityMatrix;
import dev.bella.metrics.Scores;
import dev.bella.metrics.shift.Corruption;
import dev.bella.metrics.shift.ImageBatch;

/**
 * The {@link ArrayAdapter} for DJL's {@link NDArray}: the same contract as bella-metrics' {@code
 * Nd4jArrays}, so that DJL output reaches the metrics the same way. Probabilities are read as
 * float32 into one {@code float[]} (other floating types are converted), which the returned view
 * wraps without a further copy; labels and flags come from 1-D arrays of any integer or floating
 * type. Also applies the engine-free image corruptions of {@code dev.bella.metrics.shift} to an
 * {@code NDArray} ({@link #corrupt(Corruption, NDArray, int, long)}).
 *
 * <p>Stateless; use {@link #INSTANCE}. Every method leaves the NDArray untouched (not closed).
 * Thread-safe as far as reading the NDArray is.
 */
public final class DjlArrays implements ArrayAdapter<NDArray> {

    /** The adapter. */
    public static final DjlArrays INSTANCE = new DjlArrays();

    private DjlArrays() {}

    @Override
    public ProbabilityMatrix probabilities(NDArray probs) {
        long[] s = shape(probs, 2, "probs");
        return ProbabilityMatrix.of(floats(probs), (int) s[0], (int) s[1]);
    }

    @Override
    public ParticleProbabilities particleProbabilities(NDArray particles) {
        long[] s = shape(particles, 3, "particles");
        return ParticleProbabilities.of(floats(particles), (int) s[0], (int) s[1], (int) s[2]);
    }

    @Override
    public int[] labels(NDArray labels) {
        double[] v = doubles(labels, "labels");
        int[] out = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            if (v[i] != Math.rint(v[i]) || Math.abs(v[i]) > Integer.MAX_VALUE) {
                throw new IllegalArgumentException(
                        "labels[" + i + "] = " + v[i] + " is not an integer class index");
            }
            out[i] = (int) v[i];
        }
        return out;
    }

    @Override
    public boolean[] flags(NDArray flags) {
        double[] v = doubles(flags, "flags");
        boolean[] out = new boolean[v.length];
        for (int i = 0; i < v.length; i++) {
            if (v[i] != 0 && v[i] != 1) {
                throw new IllegalArgumentException("flags[" + i + "] = " + v[i] + " is not 0 or 1");
            }
            out[i] = v[i] == 1;
        }
        return out;
    }

    @Override
    public Scores scores(NDArray scores) {
        shape(scores, 1, "scores");
        return Scores.of(floats(scores));
    }

    @Override
    public int rank(NDArray array) {
        if (array == null) {
            throw new IllegalArgumentException("array must not be null");
        }
        return array.getShape().dimension();
    }

    private static double[] doubles(NDArray a, String name) {
        shape(a, 1, name);
        if (a.getDataType() == DataType.FLOAT64) {
            return a.toDoubleArray();
        }
        try (NDArray d = a.toType(DataType.FLOAT64, false)) {
            return d.toDoubleArray();
        }
    }

    /**
     * Corrupts a batch of images with an engine-free {@link Corruption} of bella-metrics; image
     * {@code i} uses the random stream {@code (seed, i)}.
     *
     * @param corruption the corruption
     * @param images values in {@code [0, 1]}, shape {@code (N, C, H, W)}, {@code (N, H, W)} or
     *     {@code (H, W)}, a floating-point data type
     * @param severity 1 (mildest) to 5
     * @param seed the seed of the random draws (ignored by deterministic corruptions)
     * @return a new array, same shape, data type and manager as {@code images}, values in {@code
     *     [0, 1]}
     * @throws IllegalArgumentException as {@link #corrupt(Corruption, NDArray, int, long, long)}
     */
    public static NDArray corrupt(Corruption corruption, NDArray images, int severity, long seed) {
        return corrupt(corruption, images, severity, seed, 0);
    }

    /**
     * Corrupts a batch of images that starts at position {@code firstIndex} of a larger set (see
     * {@link Corruption#apply(ImageBatch, int, long, long)}). A single colour image {@code (C, H,
     * W)} needs its batch axis: {@code image.expandDims(0)}. The input is not modified.
     *
     * @param corruption the corruption
     * @param images values in {@code [0, 1]}, shape {@code (N, C, H, W)}, {@code (N, H, W)} or
     *     {@code (H, W)}, a floating-point data type
     * @param severity 1 (mildest) to 5
     * @param seed the seed of the random draws (ignored by deterministic corruptions)
     * @param firstIndex the index of the batch's first image in the data set, {@code >= 0}
     * @return a new array, same shape, data type and manager as {@code images}, values in {@code
     *     [0, 1]}
     * @throws IllegalArgumentException for a severity outside 1..5, a negative {@code firstIndex},
     *     an unsupported shape or data type, or a value outside {@code [0, 1]} (beyond {@link
     *     Corruption#RANGE_TOLERANCE}) or NaN
     */
    public static NDArray corrupt(
            Corruption corruption, NDArray images, int severity, long seed, long firstIndex) {
        if (corruption == null) {
            throw new IllegalArgumentException("corruption must not be null");
        }
        if (images == null) {
            throw new IllegalArgumentException("images must not be null");
        }
        Shape shape = images.getShape();
        int[] nchw = layout(shape);
        DataType type = images.getDataType();
        if (!type.isFloating()) {
            throw new IllegalArgumentException(
                    "images must be floating point with values in [0, 1], got data type "
                            + type
                            + "; convert 8-bit images with images.toType(DataType.FLOAT32, false)"
                            + ".div(255)");
        }
        ImageBatch batch = ImageBatch.of(floats(images), nchw[0], nchw[1], nchw[2], nchw[3]);
        float[] out = corruption.apply(batch, severity, seed, firstIndex);
        NDManager manager = images.getManager();
        NDArray result = manager.create(out, shape);
        if (type != DataType.FLOAT32) {
            NDArray converted = result.toType(type, false);
            result.close();
            result = converted;
        }
        return result;
    }

    /** {@code (n, c, h, w)} of a supported image shape. */
    private static int[] layout(Shape shape) {
        long n;
        long c;
        long h;
        long w;
        switch (shape.dimension()) {
            case 2:
                n = 1;
                c = 1;
                h = shape.get(0);
                w = shape.get(1);
                break;
            case 3:
                n = shape.get(0);
                c = 1;
                h = shape.get(1);
                w = shape.get(2);
                break;
            case 4:
                n = shape.get(0);
                c = shape.get(1);
                h = shape.get(2);
                w = shape.get(3);
                break;
            default:
                throw new IllegalArgumentException(
                        "images must have shape (N, C, H, W), (N, H, W) or (H, W), got "
                                + shape
                                + " (rank "
                                + shape.dimension()
                                + "); add the batch axis to a single colour image with"
                                + " expandDims(0)");
        }
        if (h < 1 || w < 1) {
            throw new IllegalArgumentException(
                    "images must be at least 1 x 1 pixels, got shape " + shape);
        }
        if (shape.size() > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(
                    "images have "
                            + shape.size()
                            + " values, too many for one call; split the"
                            + " batch (and pass firstIndex)");
        }
        return new int[] {(int) n, (int) c, (int) h, (int) w};
    }

    private static float[] floats(NDArray a) {
        if (a.getDataType() == DataType.FLOAT32) {
            return a.toFloatArray();
        }
        try (NDArray f = a.toType(DataType.FLOAT32, true)) {
            return f.toFloatArray();
        }
    }

    private static long[] shape(NDArray a, int rank, String name) {
        if (a == null) {
            throw new IllegalArgumentException(name + " must not be null");
        }
        long[] s = a.getShape().getShape();
        if (s.length != rank) {
            throw new IllegalArgumentException(
                    name + " must have " + rank + " dimensions, got shape " + a.getShape());
        }
        return s;
    }
}
