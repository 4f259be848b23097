package dev.bella.core.interop;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.bella.metrics.ClassificationMetrics;
import dev.bella.metrics.ClassificationResult;
import dev.bella.metrics.MetricsReport;
import dev.bella.metrics.Uncertainty;
import dev.bella.metrics.UncertaintyScores;
import java.util.Arrays;

/**
 * Copies DJL {@link NDArray}s into the Java arrays that {@code dev.bella.metrics} takes, plus a few
 * one-line conveniences. Probabilities are read as float32 (other floating types are converted),
 * labels and flags from any integer or floating type.
 *
 * <p>Every method copies the data to the JVM heap and leaves the NDArray untouched (it is not
 * closed). Thread-safe as far as reading the NDArray is.
 */
public final class NDArrays {

    private NDArrays() {}

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

    private static float[] floats(NDArray a) {
        return a.getDataType() == DataType.FLOAT32
                ? a.toFloatArray()
                : a.toType(DataType.FLOAT32, false).toFloatArray();
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
