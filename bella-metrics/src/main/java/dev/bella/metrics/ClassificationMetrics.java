package dev.bella.metrics;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Accuracy, NLL, Brier score, ECE, MCE and reliability-diagram data of N x C probabilities, in one
 * pass, whole-batch ({@link #of(float[][], int[])}) or streamed ({@link #accept(float[][], int[])},
 * {@link #combine(ClassificationMetrics)}, {@link #result()}).
 *
 * <p>Definitions (SPEC section 5; natural logarithms):
 *
 * <ul>
 *   <li>accuracy: fraction of examples whose predicted class (first argmax) equals the label;
 *   <li>NLL: \( \frac1N \sum_n -\log \max(p_{n,y_n}, 10^{-12}) \) (see {@link
 *       Probabilities#NLL_EPSILON});
 *   <li>Brier: \( \frac1N \sum_n \sum_c (p_{n,c} - [c = y_n])^2 \) in [0, 2], the halved variant
 *       through {@link ClassificationResult#brierHalved()};
 *   <li>ECE / MCE: top-label, M equal-width bins {@code [b/M, (b+1)/M)}, the last closed at 1.0
 *       (see {@link ReliabilityDiagram}).
 * </ul>
 *
 * <p>Every row is checked as it is read: entries must be finite and non-negative, and the row sum
 * within {@link Probabilities#ROW_SUM_TOLERANCE} of 1; labels must be in [0, C). A batch that fails
 * a check throws {@link IllegalArgumentException} and leaves the accumulator as it was before the
 * call.
 *
 * <p>Sums are kept in double precision whatever the input precision. Accepting the data in several
 * batches gives exactly (bit for bit) the result of one batch, since rows are added in the same
 * order; {@link #combine(ClassificationMetrics)} adds partial sums, so it agrees with the
 * whole-batch result to rounding (about 1e-15 relative).
 *
 * <p>Not thread-safe: give each thread its own accumulator and combine them. Memory is O(M).
 */
public final class ClassificationMetrics {

    /** The default number of confidence bins, 15. */
    public static final int DEFAULT_BINS = 15;

    private final int bins;
    private int classes = -1;
    private long count;
    private long correct;
    private double nllSum;
    private double brierSum;
    private final long[] binCount;
    private final long[] binCorrect;
    private final double[] binConfidence;

    private ClassificationMetrics(int bins) {
        Checks.positiveBins(bins);
        this.bins = bins;
        this.binCount = new long[bins];
        this.binCorrect = new long[bins];
        this.binConfidence = new double[bins];
    }

    /**
     * An empty accumulator with {@link #DEFAULT_BINS} confidence bins.
     *
     * @return a new accumulator
     */
    public static ClassificationMetrics create() {
        return new ClassificationMetrics(DEFAULT_BINS);
    }

    /**
     * An empty accumulator with M confidence bins.
     *
     * @param bins M, positive
     * @return a new accumulator
     * @throws IllegalArgumentException if {@code bins <= 0}
     */
    public static ClassificationMetrics create(int bins) {
        return new ClassificationMetrics(bins);
    }

    /**
     * The metrics of N x C probabilities with {@link #DEFAULT_BINS} bins.
     *
     * @param probs N x C probabilities, N at least 1
     * @param labels N labels in [0, C)
     * @return the result
     * @throws IllegalArgumentException on bad input (shapes, labels, probabilities, N = 0)
     */
    public static ClassificationResult of(float[][] probs, int[] labels) {
        return of(probs, labels, DEFAULT_BINS);
    }

    /**
     * The metrics of N x C probabilities with M bins.
     *
     * @param probs N x C probabilities, N at least 1
     * @param labels N labels in [0, C)
     * @param bins M, positive
     * @return the result
     * @throws IllegalArgumentException on bad input (shapes, labels, probabilities, N = 0, bins)
     */
    public static ClassificationResult of(float[][] probs, int[] labels, int bins) {
        ClassificationMetrics m = create(bins);
        Checks.notNull(probs, "probs");
        Checks.nonEmpty("probs", probs.length);
        return m.accept(probs, labels).result();
    }

    /**
     * The metrics of N x C probabilities in double precision with {@link #DEFAULT_BINS} bins.
     *
     * @param probs N x C probabilities, N at least 1
     * @param labels N labels in [0, C)
     * @return the result
     * @throws IllegalArgumentException on bad input (shapes, labels, probabilities, N = 0)
     */
    public static ClassificationResult of(double[][] probs, int[] labels) {
        return of(probs, labels, DEFAULT_BINS);
    }

    /**
     * The metrics of N x C probabilities in double precision with M bins.
     *
     * @param probs N x C probabilities, N at least 1
     * @param labels N labels in [0, C)
     * @param bins M, positive
     * @return the result
     * @throws IllegalArgumentException on bad input (shapes, labels, probabilities, N = 0, bins)
     */
    public static ClassificationResult of(double[][] probs, int[] labels, int bins) {
        ClassificationMetrics m = create(bins);
        Checks.notNull(probs, "probs");
        Checks.nonEmpty("probs", probs.length);
        return m.accept(probs, labels).result();
    }

    /**
     * Adds a batch of N x C probabilities. An empty batch (N = 0) is accepted and changes nothing.
     *
     * @param probs N x C probabilities; C must match earlier batches
     * @param labels N labels in [0, C)
     * @return this accumulator
     * @throws IllegalArgumentException on bad input; the accumulator is then unchanged
     */
    public ClassificationMetrics accept(float[][] probs, int[] labels) {
        int c = Checks.columns(probs, "probs");
        Checks.notNull(labels, "labels");
        Checks.sameLength("labels", labels.length, "probs", probs.length);
        if (probs.length == 0) {
            return this;
        }
        checkClasses(c);
        Snapshot before = new Snapshot();
        try {
            for (int n = 0; n < probs.length; n++) {
                row(probs[n], 0, c, labels, n, "probs");
            }
        } catch (IllegalArgumentException e) {
            before.restore();
            throw e;
        }
        classes = c;
        return this;
    }

    /**
     * Adds a batch of N x C probabilities stored row-major in one flat array (row {@code n} at
     * {@code probs[n * C .. n * C + C)}), as read from a {@code .npy} file. N is {@code
     * labels.length}.
     *
     * @param probs N * C probabilities, row-major
     * @param classes C, positive
     * @param labels N labels in [0, C)
     * @return this accumulator
     * @throws IllegalArgumentException on bad input; the accumulator is then unchanged
     */
    public ClassificationMetrics accept(float[] probs, int classes, int[] labels) {
        Checks.notNull(probs, "probs");
        Checks.notNull(labels, "labels");
        if (classes <= 0) {
            throw new IllegalArgumentException("classes must be positive, classes = " + classes);
        }
        if ((long) labels.length * classes != probs.length) {
            throw new IllegalArgumentException(
                    "shapes disagree: probs.length = "
                            + probs.length
                            + " is not labels.length * classes = "
                            + labels.length
                            + " * "
                            + classes);
        }
        if (labels.length == 0) {
            return this;
        }
        checkClasses(classes);
        Snapshot before = new Snapshot();
        try {
            for (int n = 0, o = 0; n < labels.length; n++, o += classes) {
                row(probs, o, classes, labels, n, "probs row ");
            }
        } catch (IllegalArgumentException e) {
            before.restore();
            throw e;
        }
        this.classes = classes;
        return this;
    }

    /**
     * Adds a batch of N x C probabilities in double precision. An empty batch changes nothing.
     *
     * @param probs N x C probabilities; C must match earlier batches
     * @param labels N labels in [0, C)
     * @return this accumulator
     * @throws IllegalArgumentException on bad input; the accumulator is then unchanged
     */
    public ClassificationMetrics accept(double[][] probs, int[] labels) {
        int c = Checks.columns(probs, "probs");
        Checks.notNull(labels, "labels");
        Checks.sameLength("labels", labels.length, "probs", probs.length);
        if (probs.length == 0) {
            return this;
        }
        checkClasses(c);
        Snapshot before = new Snapshot();
        try {
            for (int n = 0; n < probs.length; n++) {
                row(probs[n], c, labels, n);
            }
        } catch (IllegalArgumentException e) {
            before.restore();
            throw e;
        }
        classes = c;
        return this;
    }

    /**
     * Adds the examples another accumulator has seen. The other accumulator is not changed.
     *
     * @param other an accumulator with the same number of bins (and classes, unless either is
     *     empty)
     * @return this accumulator
     * @throws IllegalArgumentException if bins or classes differ
     */
    public ClassificationMetrics combine(ClassificationMetrics other) {
        Checks.notNull(other, "other");
        if (other.bins != bins) {
            throw new IllegalArgumentException(
                    "cannot combine accumulators with different bins, bins = "
                            + bins
                            + ", other.bins = "
                            + other.bins);
        }
        if (other.count == 0) {
            return this;
        }
        checkClasses(other.classes);
        classes = other.classes;
        count += other.count;
        correct += other.correct;
        nllSum += other.nllSum;
        brierSum += other.brierSum;
        for (int b = 0; b < bins; b++) {
            binCount[b] += other.binCount[b];
            binCorrect[b] += other.binCorrect[b];
            binConfidence[b] += other.binConfidence[b];
        }
        return this;
    }

    /**
     * The number of examples accepted so far.
     *
     * @return N
     */
    public long count() {
        return count;
    }

    /**
     * The metrics of all examples accepted so far.
     *
     * @return the result
     * @throws IllegalStateException if no example was accepted (every metric is undefined for N =
     *     0)
     */
    public ClassificationResult result() {
        if (count == 0) {
            throw new IllegalStateException(
                    "no example accepted: the metrics are undefined for N = 0; call accept() first");
        }
        List<ReliabilityDiagram.Bin> list = new ArrayList<>(bins);
        for (int b = 0; b < bins; b++) {
            long k = binCount[b];
            list.add(
                    new ReliabilityDiagram.Bin(
                            b,
                            (double) b / bins,
                            (double) (b + 1) / bins,
                            k,
                            k == 0 ? Double.NaN : binConfidence[b] / k,
                            k == 0 ? Double.NaN : (double) binCorrect[b] / k));
        }
        return new ClassificationResult(
                count,
                classes,
                (double) correct / count,
                nllSum / count,
                brierSum / count,
                new ReliabilityDiagram(list));
    }

    private void checkClasses(int c) {
        if (classes >= 0 && c != classes) {
            throw new IllegalArgumentException(
                    "shapes disagree: this batch has C = "
                            + c
                            + " classes but earlier batches had C = "
                            + classes);
        }
    }

    /** One row in single precision, at {@code p[o .. o + c)}. */
    private void row(float[] p, int o, int c, int[] labels, int n, String name) {
        double s0 = 0, s1 = 0, q0 = 0, q1 = 0;
        float mx0 = p[o], mx1 = p[o], mn0 = p[o], mn1 = p[o];
        int j = 0;
        for (; j + 1 < c; j += 2) {
            float a = p[o + j];
            float b = p[o + j + 1];
            s0 += a;
            s1 += b;
            q0 += (double) a * a;
            q1 += (double) b * b;
            mx0 = Math.max(mx0, a);
            mx1 = Math.max(mx1, b);
            mn0 = Math.min(mn0, a);
            mn1 = Math.min(mn1, b);
        }
        if (j < c) {
            float a = p[o + j];
            s0 += a;
            q0 += (double) a * a;
            mx0 = Math.max(mx0, a);
            mn0 = Math.min(mn0, a);
        }
        double sum = s0 + s1;
        float mx = Math.max(mx0, mx1);
        if (!(Math.min(mn0, mn1) >= 0 && Math.abs(sum - 1) <= Probabilities.ROW_SUM_TOLERANCE)) {
            String where = name.endsWith(" ") ? name + n : name + "[" + n + "]";
            throw Checks.badRow(where, p, o, c, sum);
        }
        Checks.label(labels, n, c);
        int y = labels[n];
        float py = p[o + y];
        boolean hit = py == mx && firstMaxAt(p, o, y, mx);
        add(mx, py, q0 + q1, hit);
    }

    /** One row in double precision. */
    private void row(double[] p, int c, int[] labels, int n) {
        double s0 = 0, s1 = 0, q0 = 0, q1 = 0;
        double mx = p[0], mn = p[0];
        for (int j = 0; j < c; j++) {
            double a = p[j];
            if ((j & 1) == 0) {
                s0 += a;
                q0 += a * a;
            } else {
                s1 += a;
                q1 += a * a;
            }
            mx = Math.max(mx, a);
            mn = Math.min(mn, a);
        }
        double sum = s0 + s1;
        if (!(mn >= 0 && Math.abs(sum - 1) <= Probabilities.ROW_SUM_TOLERANCE)) {
            throw Checks.badRow("probs[" + n + "]", p, 0, c, sum);
        }
        Checks.label(labels, n, c);
        int y = labels[n];
        double py = p[y];
        boolean hit = py == mx;
        for (int k = 0; hit && k < y; k++) {
            hit = p[k] != mx;
        }
        add(mx, py, q0 + q1, hit);
    }

    private static boolean firstMaxAt(float[] p, int o, int y, float mx) {
        for (int k = 0; k < y; k++) {
            if (p[o + k] == mx) {
                return false;
            }
        }
        return true;
    }

    private void add(double confidence, double py, double sumSquares, boolean hit) {
        int b = (int) (confidence * bins);
        if (b >= bins) {
            b = bins - 1;
        }
        count++;
        binCount[b]++;
        binConfidence[b] += confidence;
        if (hit) {
            correct++;
            binCorrect[b]++;
        }
        nllSum -= Math.log(Math.max(py, Probabilities.NLL_EPSILON));
        brierSum += sumSquares - 2 * py + 1;
    }

    /** The scalar state before a batch, to undo a batch that fails half-way. */
    private final class Snapshot {
        private final long count0 = count;
        private final long correct0 = correct;
        private final double nll0 = nllSum;
        private final double brier0 = brierSum;
        private final long[] binCount0 = binCount.clone();
        private final long[] binCorrect0 = binCorrect.clone();
        private final double[] binConfidence0 = binConfidence.clone();

        void restore() {
            count = count0;
            correct = correct0;
            nllSum = nll0;
            brierSum = brier0;
            System.arraycopy(binCount0, 0, binCount, 0, bins);
            System.arraycopy(binCorrect0, 0, binCorrect, 0, bins);
            System.arraycopy(binConfidence0, 0, binConfidence, 0, bins);
        }
    }

    @Override
    public String toString() {
        return "ClassificationMetrics[bins="
                + bins
                + ", classes="
                + classes
                + ", count="
                + count
                + ", binCount="
                + Arrays.toString(binCount)
                + "]";
    }
}
