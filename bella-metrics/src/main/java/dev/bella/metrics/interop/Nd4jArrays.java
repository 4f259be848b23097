package dev.bella.metrics.interop;

import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Converts ND4J {@link INDArray}s into the arrays the metrics take. Needs {@code org.nd4j:nd4j-api}
 * and a backend on the class path (an optional dependency of bella-metrics).
 *
 * <p>Every method copies; the INDArray is not modified. Thread-safe as far as reading the INDArray
 * is.
 */
public final class Nd4jArrays {

    private Nd4jArrays() {}

    /**
     * N x C probabilities from a rank-2 array.
     *
     * @param probs a rank-2 array
     * @return a new N x C matrix
     * @throws IllegalArgumentException if the array is not rank 2
     */
    public static float[][] toFloatMatrix(INDArray probs) {
        requireRank(probs, 2, "probs");
        return probs.toFloatMatrix();
    }

    /**
     * N x C probabilities in double precision from a rank-2 array.
     *
     * @param probs a rank-2 array
     * @return a new N x C matrix
     * @throws IllegalArgumentException if the array is not rank 2
     */
    public static double[][] toDoubleMatrix(INDArray probs) {
        requireRank(probs, 2, "probs");
        return probs.toDoubleMatrix();
    }

    /**
     * n x N x C particle probabilities from a rank-3 array (particle first).
     *
     * @param particles a rank-3 array
     * @return a new n x N x C array
     * @throws IllegalArgumentException if the array is not rank 3
     */
    public static float[][][] toFloatTensor(INDArray particles) {
        requireRank(particles, 3, "particles");
        int n = (int) particles.size(0);
        float[][][] out = new float[n][][];
        for (int i = 0; i < n; i++) {
            out[i] = particles.slice(i).toFloatMatrix();
        }
        return out;
    }

    /**
     * N integer labels from a vector (rank 1, or N x 1 / 1 x N).
     *
     * @param labels a vector of integer values
     * @return a new array
     * @throws IllegalArgumentException if the array is not a vector or a value is not an integer
     */
    public static int[] toLabels(INDArray labels) {
        double[] v = vector(labels, "labels");
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
     * N flags from a vector of 0/1 values (1 = {@code true}, e.g. OOD).
     *
     * @param flags a vector of 0/1 values
     * @return a new array
     * @throws IllegalArgumentException if the array is not a vector or a value is not 0 or 1
     */
    public static boolean[] toFlags(INDArray flags) {
        double[] v = vector(flags, "flags");
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
     * A vector of scores (e.g. per-example entropy computed in ND4J).
     *
     * @param scores a vector
     * @return a new array
     * @throws IllegalArgumentException if the array is not a vector
     */
    public static double[] toScores(INDArray scores) {
        return vector(scores, "scores");
    }

    private static double[] vector(INDArray a, String name) {
        if (a == null) {
            throw new IllegalArgumentException(name + " must not be null");
        }
        if (!(a.rank() == 1 || (a.rank() == 2 && (a.size(0) == 1 || a.size(1) == 1)))) {
            throw new IllegalArgumentException(
                    name + " must be a vector, got shape " + Arrays.toString(a.shape()));
        }
        return a.toDoubleVector();
    }

    private static void requireRank(INDArray a, int rank, String name) {
        if (a == null) {
            throw new IllegalArgumentException(name + " must not be null");
        }
        if (a.rank() != rank) {
            throw new IllegalArgumentException(
                    name + " must have rank " + rank + ", got shape " + Arrays.toString(a.shape()));
        }
    }
}
