package dev.bella.metrics;

/**
 * Conventions shared by every metric on probabilities, and small helpers around them.
 *
 * <p>Probabilities come as {@code float[][]} or {@code double[][]} of shape N x C (row {@code n}
 * holds the predicted distribution over the C classes for example {@code n}), or as particle
 * probabilities {@code float[][][]} / {@code double[][][]} of shape n x N x C (particle first). A
 * row is valid when every entry is finite and non-negative (NaN is rejected) and its sum is within
 * {@link #ROW_SUM_TOLERANCE} of 1. Entries of exactly 0 or 1 are valid.
 *
 * <p>The predicted class is the first index of the largest entry (as NumPy's and PyTorch's {@code
 * argmax}); logarithms are natural, so entropies and NLL are in nats.
 *
 * <p>All methods are pure and thread-safe.
 */
public final class Probabilities {

    /**
     * Largest accepted {@code |sum_c p[n][c] - 1|} for a row: {@value}. Loose enough for float32
     * softmax outputs over thousands of classes and for probabilities saved in half precision;
     * tight enough to reject logits or unnormalised scores. Rows are never renormalised.
     */
    public static final double ROW_SUM_TOLERANCE = 1e-3;

    /**
     * The lower clamp of the NLL, {@value}: the NLL of an example is {@code -log(max(p[n][y_n],
     * 1e-12))}, so a zero probability for the true class costs {@code -log(1e-12) = 27.63} nats
     * instead of infinity. There is no upper clamp.
     */
    public static final double NLL_EPSILON = 1e-12;

    private Probabilities() {}

    /**
     * Expands binary probabilities of the positive class into two-class rows {@code [1 - p, p]}, so
     * that binary problems are scored top-label like any other (SPEC section 5).
     *
     * @param positive the probability of class 1 for each example, each in [0, 1]
     * @return an N x 2 matrix, a new array
     * @throws IllegalArgumentException if an entry is NaN or outside [0, 1]
     */
    public static float[][] twoClass(float[] positive) {
        Checks.notNull(positive, "positive");
        float[][] out = new float[positive.length][];
        for (int n = 0; n < positive.length; n++) {
            float p = positive[n];
            if (!(p >= 0 && p <= 1)) {
                throw new IllegalArgumentException(
                        "positive[" + n + "] = " + p + " is not a probability in [0, 1]");
            }
            out[n] = new float[] {1 - p, p};
        }
        return out;
    }

    /**
     * The index of the largest entry of a row, the first one on ties.
     *
     * @param row a probability row
     * @return the predicted class
     */
    public static int argmax(float[] row) {
        return argmax(row, 0, row.length);
    }

    /**
     * The index of the largest entry of a row, the first one on ties.
     *
     * @param row a probability row
     * @return the predicted class
     */
    public static int argmax(double[] row) {
        int best = 0;
        for (int c = 1; c < row.length; c++) {
            if (row[c] > row[best]) {
                best = c;
            }
        }
        return best;
    }

    static int argmax(float[] p, int offset, int classes) {
        int best = 0;
        float max = p[offset];
        for (int c = 1; c < classes; c++) {
            if (p[offset + c] > max) {
                max = p[offset + c];
                best = c;
            }
        }
        return best;
    }

    /**
     * Misclassification flags, for misclassification detection: {@code true} where the predicted
     * class (first argmax) differs from the label.
     *
     * @param probs N x C probabilities (not validated beyond shapes)
     * @param labels N labels in [0, C)
     * @return N flags, {@code true} = misclassified
     * @throws IllegalArgumentException if shapes disagree or a label is out of range
     */
    public static boolean[] misclassified(double[][] probs, int[] labels) {
        int classes = Checks.columns(probs, "probs");
        Checks.notNull(labels, "labels");
        Checks.sameLength("labels", labels.length, "probs", probs.length);
        boolean[] out = new boolean[labels.length];
        for (int n = 0; n < labels.length; n++) {
            Checks.label(labels, n, classes);
            out[n] = argmax(probs[n]) != labels[n];
        }
        return out;
    }

    /**
     * Misclassification flags, as {@link #misclassified(double[][], int[])}.
     *
     * @param probs N x C probabilities (not validated beyond shapes)
     * @param labels N labels in [0, C)
     * @return N flags, {@code true} = misclassified
     * @throws IllegalArgumentException if shapes disagree or a label is out of range
     */
    public static boolean[] misclassified(float[][] probs, int[] labels) {
        int classes = Checks.columns(probs, "probs");
        Checks.notNull(labels, "labels");
        Checks.sameLength("labels", labels.length, "probs", probs.length);
        boolean[] out = new boolean[labels.length];
        for (int n = 0; n < labels.length; n++) {
            Checks.label(labels, n, classes);
            out[n] = argmax(probs[n]) != labels[n];
        }
        return out;
    }

    /**
     * Checks one row of probabilities, as every metric does before using it.
     *
     * @param row the row
     * @param name how to name the row in a message, e.g. {@code "probs[3]"}
     * @throws IllegalArgumentException if an entry is NaN, infinite or negative, or the sum is not
     *     within {@link #ROW_SUM_TOLERANCE} of 1
     */
    public static void checkRow(float[] row, String name) {
        double sum = 0;
        for (float v : row) {
            if (!(v >= 0) || Float.isInfinite(v)) {
                throw Checks.badRow(name, row, 0, row.length, Double.NaN);
            }
            sum += v;
        }
        if (!(Math.abs(sum - 1) <= ROW_SUM_TOLERANCE)) {
            throw Checks.badRow(name, row, 0, row.length, sum);
        }
    }

    /**
     * Checks one row of probabilities, as {@link #checkRow(float[], String)}.
     *
     * @param row the row
     * @param name how to name the row in a message, e.g. {@code "probs[3]"}
     * @throws IllegalArgumentException if the row is not a probability distribution
     */
    public static void checkRow(double[] row, String name) {
        double sum = 0;
        for (double v : row) {
            if (!(v >= 0) || Double.isInfinite(v)) {
                throw Checks.badRow(name, row, 0, row.length, Double.NaN);
            }
            sum += v;
        }
        if (!(Math.abs(sum - 1) <= ROW_SUM_TOLERANCE)) {
            throw Checks.badRow(name, row, 0, row.length, sum);
        }
    }
}
