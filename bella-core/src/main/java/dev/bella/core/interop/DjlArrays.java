package dev.bella.core.interop;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.bella.metrics.ClassificationMetrics;
import dev.bella.metrics.ClassificationResult;
import dev.bella.metrics.MetricsReport;
import dev.bella.metrics.Uncertainty;
import dev.bella.metrics.UncertaintyScores;
import dev.bella.metrics.shift.Corruption;
import dev.bella.metrics.shift.ImageBatch;
import java.util.Arrays;

/**
 * Copies DJL {@link NDArray}s into the Java arrays that {@code dev.bella.metrics} takes, plus a few
 * one-line conveniences. Probabilities are read as float32 (other floating types are converted),
 * labels and flags from any integer or floating type.
 *
 * <p>Every method copies the data to the JVM heap and leaves the NDArray untouched (it is not
 * closed). Thread-safe as far as reading the NDArray is.
 */
public final class DjlArrays {

    private DjlArrays() {}

    /**
     * N x C probabilities from an array of shape (N, C).
     *
     * @param probs the probabilities (after softmax, not logits)
     * @return a new N x C matrix
     * @throws IllegalArgumentException if the array is not 2-D
     */
    public static float[][] toFloatMatrix(NDArray probs) {
        long[] s = shape(probs, 2, "probs");
        float[] flat = floats(probs);
        int n = (int) s[0];
        int c = (int) s[1];
        float[][] out = new float[n][];
        for (int i = 0; i < n; i++) {
            out[i] = Arrays.copyOfRange(flat, i * c, (i + 1) * c);
        }
        return out;
    }

    /**
     * n x N x C particle probabilities from an array of shape (n, N, C), particle first.
     *
     * @param particles the per-particle probabilities
     * @return a new n x N x C array
     * @throws IllegalArgumentException if the array is not 3-D
     */
    public static float[][][] toFloatTensor(NDArray particles) {
        long[] s = shape(particles, 3, "particles");
        float[] flat = floats(particles);
        int k = (int) s[0];
        int n = (int) s[1];
        int c = (int) s[2];
        float[][][] out = new float[k][n][];
        for (int i = 0, o = 0; i < k; i++) {
            for (int e = 0; e < n; e++, o += c) {
                out[i][e] = Arrays.copyOfRange(flat, o, o + c);
            }
        }
        return out;
    }

    /**
     * N labels from a 1-D array of integer values (any integer or floating type).
     *
     * @param labels class indices
     * @return a new array
     * @throws IllegalArgumentException if the array is not 1-D or a value is not an integer
     */
    public static int[] toLabels(NDArray labels) {
        shape(labels, 1, "labels");
        double[] v = labels.toType(DataType.FLOAT64, false).toDoubleArray();
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

    /**
     * N flags from a 1-D array of 0/1 values (boolean, integer or floating), 1 = {@code true} (e.g.
     * OOD).
     *
     * @param flags the flags
     * @return a new array
     * @throws IllegalArgumentException if the array is not 1-D or a value is not 0 or 1
     */
    public static boolean[] toFlags(NDArray flags) {
        shape(flags, 1, "flags");
        double[] v = flags.toType(DataType.FLOAT64, false).toDoubleArray();
        boolean[] out = new boolean[v.length];
        for (int i = 0; i < v.length; i++) {
            if (v[i] != 0 && v[i] != 1) {
                throw new IllegalArgumentException("flags[" + i + "] = " + v[i] + " is not 0 or 1");
            }
            out[i] = v[i] == 1;
        }
        return out;
    }

    /**
     * Accuracy, NLL, Brier, ECE, MCE (15 bins) of N x C probabilities; see {@link
     * ClassificationMetrics}.
     *
     * @param probs (N, C) probabilities
     * @param labels (N) labels
     * @return the result
     * @throws IllegalArgumentException on bad input
     */
    public static ClassificationResult classification(NDArray probs, NDArray labels) {
        return ClassificationMetrics.of(toFloatMatrix(probs), toLabels(labels));
    }

    /**
     * Per-example and mean uncertainty of particle probabilities; see {@link Uncertainty}.
     *
     * @param particles (n, N, C) probabilities, particle first
     * @return the scores
     * @throws IllegalArgumentException on bad input
     */
    public static UncertaintyScores uncertainty(NDArray particles) {
        return Uncertainty.of(toFloatTensor(particles));
    }

    /**
     * The full report; see {@link MetricsReport}.
     *
     * @param probs (N, C) probabilities of one model or (n, N, C) of n particles
     * @param labels (N) labels
     * @param ood (N) OOD flags, or {@code null}
     * @return the report
     * @throws IllegalArgumentException on bad input, or if {@code probs} is neither 2-D nor 3-D
     */
    public static MetricsReport report(NDArray probs, NDArray labels, NDArray ood) {
        MetricsReport.Builder b = MetricsReport.builder().setLabels(toLabels(labels));
        int rank = probs == null ? -1 : probs.getShape().dimension();
        if (rank == 3) {
            b.setParticleProbabilities(toFloatTensor(probs));
        } else {
            b.setProbabilities(toFloatMatrix(probs));
        }
        if (ood != null) {
            b.optOod(toFlags(ood));
        }
        return b.build();
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
