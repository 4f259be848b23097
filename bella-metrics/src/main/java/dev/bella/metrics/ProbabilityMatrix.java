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
package dev.bella.metrics;

/**
 * A read-only view of N x C probabilities, the input every metric on probabilities takes: row
 * {@code n} is the predicted distribution over the C classes for example {@code n}.
 *
 * <p>{@link #of(float[], int, int)} views a row-major {@code float[]} (model outputs are float32,
 * for instance an {@code NDArray}'s {@code toFloatArray()} or a {@code .npy} file) without copying
 * it: the view sees later writes to the array, so do not change it while a metric reads it. The
 * factory checks only the shape; the metrics check the values as they read them (see {@link
 * Probabilities} for the conventions). Values are read as double, the precision in which every
 * metric accumulates. Matrices computed by this package (the posterior predictive of {@link
 * Uncertainty#posteriorPredictive(ParticleProbabilities)}) are held in double precision.
 *
 * <p>Immutable as far as the viewed array is not changed, and thread-safe.
 */
public final class ProbabilityMatrix {

    private final float[] floats;
    private final double[] doubles;
    private final int offset;
    private final int rows;
    private final int classes;

    private ProbabilityMatrix(float[] floats, double[] doubles, int offset, int rows, int classes) {
        this.floats = floats;
        this.doubles = doubles;
        this.offset = offset;
        this.rows = rows;
        this.classes = classes;
    }

    /**
     * A view of N x C probabilities stored row-major in {@code values}: entry {@code (n, c)} is
     * {@code values[n * classes + c]}. Nothing is copied.
     *
     * @param values {@code rows * classes} probabilities, row-major
     * @param rows N, at least 0
     * @param classes C, at least 1
     * @return the view
     * @throws IllegalArgumentException if {@code values} is null, {@code rows < 0}, {@code classes
     *     < 1}, or {@code values.length != rows * classes}
     */
    public static ProbabilityMatrix of(float[] values, int rows, int classes) {
        Checks.notNull(values, "values");
        checkShape(values.length, rows, classes);
        return new ProbabilityMatrix(values, null, 0, rows, classes);
    }

    /**
     * A copy of N x C probabilities given as one array per row, for callers that hold rows (prefer
     * {@link #of(float[], int, int)}, which does not copy).
     *
     * @param rows N rows of C probabilities each, C at least 1
     * @return a new matrix
     * @throws IllegalArgumentException if a row is null or empty, or rows differ in length
     */
    public static ProbabilityMatrix copyOf(float[][] rows) {
        int c = Checks.columns(rows, "rows");
        if (rows.length == 0) {
            throw new IllegalArgumentException(
                    "rows is empty: the number of classes is unknown; use"
                            + " ProbabilityMatrix.of(new float[0], 0, classes)");
        }
        float[] flat = new float[Math.multiplyExact(rows.length, c)];
        for (int n = 0; n < rows.length; n++) {
            System.arraycopy(rows[n], 0, flat, n * c, c);
        }
        return new ProbabilityMatrix(flat, null, 0, rows.length, c);
    }

    /** A matrix over a double-precision row-major array owned by this package. */
    static ProbabilityMatrix ofDoubles(double[] values, int rows, int classes) {
        checkShape(values.length, rows, classes);
        return new ProbabilityMatrix(null, values, 0, rows, classes);
    }

    /** A view of a float slice, starting at {@code offset}; the caller checked the bounds. */
    static ProbabilityMatrix slice(float[] values, int offset, int rows, int classes) {
        return new ProbabilityMatrix(values, null, offset, rows, classes);
    }

    static void checkShape(int length, int rows, int classes) {
        if (rows < 0) {
            throw new IllegalArgumentException("rows must be >= 0, rows = " + rows);
        }
        if (classes < 1) {
            throw new IllegalArgumentException(
                    "classes should be a positive integer but the value passed is " + classes);
        }
        if ((long) rows * classes != length) {
            throw new IllegalArgumentException(
                    "values.length = "
                            + length
                            + " is not rows * classes = "
                            + rows
                            + " * "
                            + classes);
        }
    }

    /**
     * N, the number of rows (examples).
     *
     * @return N
     */
    public int rows() {
        return rows;
    }

    /**
     * C, the number of classes.
     *
     * @return C
     */
    public int classes() {
        return classes;
    }

    /**
     * One entry, widened to double.
     *
     * @param n the row, in [0, N)
     * @param c the class, in [0, C)
     * @return {@code p[n][c]}
     * @throws IndexOutOfBoundsException if an index is out of range
     */
    public double get(int n, int c) {
        java.util.Objects.checkIndex(n, rows);
        java.util.Objects.checkIndex(c, classes);
        int k = offset + n * classes + c;
        return floats != null ? floats[k] : doubles[k];
    }

    /**
     * A copy of one row, in double precision.
     *
     * @param n the row, in [0, N)
     * @return C probabilities, a new array
     * @throws IndexOutOfBoundsException if {@code n} is out of range
     */
    public double[] row(int n) {
        java.util.Objects.checkIndex(n, rows);
        double[] out = new double[classes];
        int k = offset + n * classes;
        for (int c = 0; c < classes; c++) {
            out[c] = floats != null ? floats[k + c] : doubles[k + c];
        }
        return out;
    }

    /**
     * The predicted class of a row: the index of its largest entry, the first one on ties (as
     * NumPy's and PyTorch's {@code argmax}).
     *
     * @param n the row, in [0, N)
     * @return the class
     * @throws IndexOutOfBoundsException if {@code n} is out of range
     */
    public int argmax(int n) {
        java.util.Objects.checkIndex(n, rows);
        int k = offset + n * classes;
        int best = 0;
        if (floats != null) {
            for (int c = 1; c < classes; c++) {
                if (floats[k + c] > floats[k + best]) {
                    best = c;
                }
            }
        } else {
            for (int c = 1; c < classes; c++) {
                if (doubles[k + c] > doubles[k + best]) {
                    best = c;
                }
            }
        }
        return best;
    }

    /** The float storage, or null for a double-precision matrix. */
    float[] floats() {
        return floats;
    }

    /** The double storage, or null for a float matrix. */
    double[] doubles() {
        return doubles;
    }

    /** Where row 0 starts in the storage. */
    int offset() {
        return offset;
    }

    /** A copy of the rows whose {@code keep} flag is set, in the same precision. */
    ProbabilityMatrix select(boolean[] keep) {
        int k = 0;
        for (boolean b : keep) {
            k += b ? 1 : 0;
        }
        if (floats != null) {
            float[] out = new float[k * classes];
            for (int n = 0, j = 0; n < rows; n++) {
                if (keep[n]) {
                    System.arraycopy(floats, offset + n * classes, out, j++ * classes, classes);
                }
            }
            return new ProbabilityMatrix(out, null, 0, k, classes);
        }
        double[] out = new double[k * classes];
        for (int n = 0, j = 0; n < rows; n++) {
            if (keep[n]) {
                System.arraycopy(doubles, offset + n * classes, out, j++ * classes, classes);
            }
        }
        return new ProbabilityMatrix(null, out, 0, k, classes);
    }

    /** Checks row {@code n} as every metric does; {@code name} names the matrix in messages. */
    void checkRow(int n, String name) {
        int k = offset + n * classes;
        double sum = 0;
        for (int c = 0; c < classes; c++) {
            double v = floats != null ? floats[k + c] : doubles[k + c];
            if (!(v >= 0) || Double.isInfinite(v)) {
                throw Checks.badRow(name + "[" + n + "]", this, n, Double.NaN);
            }
            sum += v;
        }
        if (!(Math.abs(sum - 1) <= Probabilities.ROW_SUM_TOLERANCE)) {
            throw Checks.badRow(name + "[" + n + "]", this, n, sum);
        }
    }

    @Override
    public String toString() {
        return "ProbabilityMatrix["
                + rows
                + " x "
                + classes
                + (floats != null ? ", float32 view" : ", float64")
                + "]";
    }
}
