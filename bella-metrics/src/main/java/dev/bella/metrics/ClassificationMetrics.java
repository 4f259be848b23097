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

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Accuracy, NLL, Brier score, ECE, MCE and reliability-diagram data of N x C probabilities, in one
 * pass, whole-batch ({@link #of(ProbabilityMatrix, int[])}) or streamed ({@link
 * #accept(ProbabilityMatrix, int[])}, {@link #combine(ClassificationMetrics)}, {@link #result()}).
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
 * <p>Sums over examples, and each row's sum of squares, are kept in double precision (for float32
 * input, the row sum that is only compared with the tolerance is accumulated in float). Accepting
 * the data in several batches gives exactly (bit for bit) the result of one batch, since rows are
 * added in the same order; {@link #combine(ClassificationMetrics)} adds partial sums, so it agrees
 * with the whole-batch result to rounding (about 1e-15 relative).
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
    public static ClassificationResult of(ProbabilityMatrix probs, int[] labels) {
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
    public static ClassificationResult of(ProbabilityMatrix probs, int[] labels, int bins) {
        ClassificationMetrics m = create(bins);
        Checks.notNull(probs, "probs");
        Checks.nonEmpty("probs", probs.rows());
        return m.accept(probs, labels).result();
    }

    /**
     * Adds a batch of N x C probabilities. An empty batch (N = 0) is accepted and changes nothing.
     * A float32 view ({@link ProbabilityMatrix#of(float[], int, int)}) is read in place by the
     * fused one-pass scan, without a copy.
     *
     * @param probs N x C probabilities; C must match earlier batches
     * @param labels N labels in [0, C)
     * @return this accumulator
     * @throws IllegalArgumentException on bad input; the accumulator is then unchanged
     */
    public ClassificationMetrics accept(ProbabilityMatrix probs, int[] labels) {
        Checks.labelsMatch(labels, probs);
        if (probs.rows() == 0) {
            return this;
        }
        int c = probs.classes();
        checkClasses(c);
        Snapshot before = new Snapshot();
        try {
            if (probs.floats() != null) {
                rows(probs.floats(), probs.offset(), c, labels, 0, probs.rows());
            } else {
                double[] d = probs.doubles();
                for (int n = 0, o = probs.offset(); n < probs.rows(); n++, o += c) {
                    row(d, o, c, labels, n);
                }
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

    /**
     * Rows {@code n0 .. n0 + rows} in single precision, row {@code n} at {@code p[o + (n - n0) c ..
     * + c)}. The fused one-pass scan, the hot loop of the module, kept to a few integer and
     * floating operations per entry and fused over rows so the JIT keeps the running sums in
     * registers: four independent lanes for the row sum (float; it only checks the tolerance) and
     * the sum of squares (double, for the Brier score), and the maximum taken on the raw bits,
     * which order like the values for non-negative floats. A negative entry (or -0.0) sets a sign
     * bit in the OR of the bits, NaN and infinities spoil the row sum; either sends the row to the
     * exact check.
     */
    private void rows(float[] p, int o, int c, int[] labels, int n0, int rows) {
        long[] bCount = binCount;
        long[] bCorrect = binCorrect;
        double[] bConf = binConfidence;
        int m = bins;
        double nll = nllSum;
        double brier = brierSum;
        long hits = correct;
        long seen = count;
        try {
            for (int n = n0; n < n0 + rows; n++, o += c) {
                float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
                double q0 = 0, q1 = 0, q2 = 0, q3 = 0;
                int m0 = 0, m1 = 0, m2 = 0, m3 = 0;
                int signs = 0;
                int j = o;
                int end = o + c;
                for (; j + 3 < end; j += 4) {
                    float a = p[j];
                    float b = p[j + 1];
                    float d = p[j + 2];
                    float e = p[j + 3];
                    s0 += a;
                    s1 += b;
                    s2 += d;
                    s3 += e;
                    q0 += (double) a * a;
                    q1 += (double) b * b;
                    q2 += (double) d * d;
                    q3 += (double) e * e;
                    int ia = Float.floatToRawIntBits(a);
                    int ib = Float.floatToRawIntBits(b);
                    int id = Float.floatToRawIntBits(d);
                    int ie = Float.floatToRawIntBits(e);
                    m0 = Math.max(m0, ia);
                    m1 = Math.max(m1, ib);
                    m2 = Math.max(m2, id);
                    m3 = Math.max(m3, ie);
                    signs |= ia | ib | id | ie;
                }
                for (; j < end; j++) {
                    float a = p[j];
                    s0 += a;
                    q0 += (double) a * a;
                    int ia = Float.floatToRawIntBits(a);
                    m0 = Math.max(m0, ia);
                    signs |= ia;
                }
                double sum = (double) ((s0 + s1) + (s2 + s3));
                if (!(Math.abs(sum - 1) <= Probabilities.ROW_SUM_TOLERANCE)
                        || (signs < 0 && !nonNegative(p, o, c))) {
                    String where = "probs[" + n + "]";
                    throw Checks.badRow(where, p, o, c, exactSum(p, o, c));
                }
                // every entry is >= 0 here (-0.0 included): the largest bits are the largest value
                int mb = Math.max(Math.max(m0, m1), Math.max(m2, m3));
                float mx = Float.intBitsToFloat(mb);
                int y = labels[n];
                if (y < 0 || y >= c) {
                    Checks.label(labels, n, c);
                }
                float py = p[o + y];
                boolean hit = py == mx;
                if (hit && y > 0) {
                    int lanes =
                            (m0 == mb ? 1 : 0)
                                    | (m1 == mb ? 2 : 0)
                                    | (m2 == mb ? 4 : 0)
                                    | (m3 == mb ? 8 : 0);
                    hit = noEarlierMax(p, o, y, mx, lanes, c & ~3);
                }
                double confidence = mx;
                int bin = (int) (confidence * m);
                if (bin >= m) {
                    bin = m - 1;
                }
                seen++;
                bCount[bin]++;
                bConf[bin] += confidence;
                if (hit) {
                    hits++;
                    bCorrect[bin]++;
                }
                nll -= Math.log(Math.max(py, Probabilities.NLL_EPSILON));
                brier += ((q0 + q1) + (q2 + q3)) - 2 * py + 1;
            }
        } finally {
            // on failure the caller's snapshot restores everything
            nllSum = nll;
            brierSum = brier;
            correct = hits;
            count = seen;
        }
    }

    /** Whether every entry is {@code >= 0} (a set sign bit may be a harmless -0.0). */
    private static boolean nonNegative(float[] p, int o, int c) {
        for (int j = o; j < o + c; j++) {
            if (!(p[j] >= 0)) {
                return false;
            }
        }
        return true;
    }

    private static double exactSum(float[] p, int o, int c) {
        double s = 0;
        for (int j = o; j < o + c; j++) {
            s += p[j];
        }
        return s;
    }

    /** One row in double precision (a matrix computed by this module), at {@code p[o .. o + c)}. */
    private void row(double[] p, int o, int c, int[] labels, int n) {
        double s0 = 0, s1 = 0, q0 = 0, q1 = 0;
        double mx = p[o], mn = p[o];
        for (int j = 0; j < c; j++) {
            double a = p[o + j];
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
            throw Checks.badRow(
                    "probs[" + n + "]",
                    ProbabilityMatrix.ofDoubles(p, p.length / c, c),
                    o / c,
                    sum);
        }
        Checks.label(labels, n, c);
        int y = labels[n];
        double py = p[o + y];
        boolean hit = py == mx;
        for (int k = 0; hit && k < y; k++) {
            hit = p[o + k] != mx;
        }
        add(mx, py, q0 + q1, hit);
    }

    /**
     * Whether no entry before {@code y} equals the row maximum {@code mx}, so that the predicted
     * class (first argmax) is {@code y}. Only the lanes whose maximum is the row maximum (bit l of
     * {@code lanes}) can hold such an entry: element {@code r < main} of the row belongs to lane
     * {@code r % 4}, the tail {@code r >= main} to lane 0. Usually one lane is scanned, a quarter
     * of the prefix.
     */
    private static boolean noEarlierMax(float[] p, int o, int y, float mx, int lanes, int main) {
        int limit = Math.min(y, main);
        for (int lane = 0; lane < 4; lane++) {
            if ((lanes & (1 << lane)) != 0) {
                for (int r = lane; r < limit; r += 4) {
                    if (p[o + r] == mx) {
                        return false;
                    }
                }
            }
        }
        if ((lanes & 1) != 0) {
            for (int r = main; r < y; r++) {
                if (p[o + r] == mx) {
                    return false;
                }
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
