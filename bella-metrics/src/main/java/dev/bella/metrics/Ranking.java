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

import java.util.Arrays;

/**
 * Threshold-free detection metrics of a score against binary labels: AUROC, AUPR (average
 * precision) and the FPR at a TPR, as used for OOD detection (score = predictive entropy or mutual
 * information, positive = OOD) and misclassification detection (positive = misclassified).
 *
 * <p>Scores come as a {@link Scores} view (of a float32 or double array, not copied); a larger
 * score means "more likely positive". Scores may be infinite but not NaN. Every metric needs at
 * least one positive and one negative example, and throws {@link IllegalArgumentException} naming
 * the missing class otherwise (scikit-learn warns and returns NaN or 0 in some of these cases; we
 * refuse).
 *
 * <ul>
 *   <li>AUROC is the Mann–Whitney statistic \( \frac{1}{PN} \sum_{i \in pos} \sum_{j \in neg} ([s_i
 *       > s_j] + \tfrac12 [s_i = s_j]) \): ties between a positive and a negative count one half.
 *       It equals scikit-learn's {@code roc_auc_score} (the trapezoidal area under the ROC curve
 *       through the distinct thresholds) and torchmetrics' binary AUROC. It is computed exactly
 *       (integer and half-integer counts) with two sorts, O(N log N).
 *   <li>AUPR is the average precision \( \sum_k (R_k - R_{k-1}) P_k \) over the distinct score
 *       thresholds in decreasing order (a step function, no interpolation), equal to scikit-learn's
 *       {@code average_precision_score}. It is not the trapezoidal area under the precision-recall
 *       curve ({@code sklearn.metrics.auc(recall, precision)}), which is optimistic with few
 *       thresholds.
 *   <li>FPR at TPR t: the smallest false-positive rate over all thresholds whose true-positive rate
 *       is at least t, where a threshold classifies {@code score >= threshold} as positive (the
 *       first point of scikit-learn's {@code roc_curve(..., drop_intermediate=False)} with {@code
 *       tpr >= t}); FPR95 is t = 0.95.
 * </ul>
 *
 * <p>All methods are pure and thread-safe; the inputs are not modified.
 */
public final class Ranking {

    /** The TPR of {@link #fpr95(Scores, boolean[])}, 0.95. */
    public static final double TPR_95 = 0.95;

    private Ranking() {}

    /**
     * Binary AUROC (Mann–Whitney, ties one half).
     *
     * @param scores N scores, not NaN
     * @param positive N flags, {@code true} = positive (e.g. OOD)
     * @return the AUROC in [0, 1]
     * @throws IllegalArgumentException if lengths differ, a score is NaN, or one class is absent
     */
    public static double auroc(Scores scores, boolean[] positive) {
        return split(scores, positive).auroc();
    }

    /**
     * Average precision (scikit-learn's {@code average_precision_score}).
     *
     * @param scores N scores, not NaN
     * @param positive N flags, {@code true} = positive
     * @return the AUPR in (0, 1] (clamped against rounding: never above 1)
     * @throws IllegalArgumentException if lengths differ, a score is NaN, or one class is absent
     */
    public static double aupr(Scores scores, boolean[] positive) {
        return split(scores, positive).aupr();
    }

    /**
     * The smallest FPR among the thresholds whose TPR is at least {@code tpr}.
     *
     * @param scores N scores, not NaN
     * @param positive N flags, {@code true} = positive
     * @param tpr the target TPR in (0, 1]
     * @return the FPR in [0, 1]
     * @throws IllegalArgumentException if lengths differ, a score is NaN, one class is absent, or
     *     {@code tpr} is not in (0, 1]
     */
    public static double fprAtTpr(Scores scores, boolean[] positive, double tpr) {
        return split(scores, positive).fprAtTpr(tpr);
    }

    /**
     * FPR at 95% TPR; see {@link #fprAtTpr(Scores, boolean[], double)}.
     *
     * @param scores N scores, not NaN
     * @param positive N flags, {@code true} = positive
     * @return the FPR in [0, 1]
     * @throws IllegalArgumentException if lengths differ, a score is NaN, or one class is absent
     */
    public static double fpr95(Scores scores, boolean[] positive) {
        return fprAtTpr(scores, positive, TPR_95);
    }

    /**
     * Macro-averaged one-vs-rest AUROC of N x C probabilities: the mean over classes c of the
     * binary AUROC of column c against {@code labels == c}, as scikit-learn's {@code
     * roc_auc_score(y, P, multi_class='ovr', average='macro')}.
     *
     * @param probs N x C probabilities (rows checked as everywhere), C at least 2
     * @param labels N labels in [0, C); every class must occur, and not be the only one
     * @return the macro AUROC in [0, 1]
     * @throws IllegalArgumentException on bad input, or if a class never occurs in {@code labels}
     */
    public static double macroAurocOvr(ProbabilityMatrix probs, int[] labels) {
        return MacroAuroc.create().accept(probs, labels).result();
    }

    private static Sorted split(Scores scores, boolean[] positive) {
        Checks.notNull(scores, "scores");
        Checks.notNull(positive, "positive");
        Checks.sameLength("scores", scores.size(), "positive", positive.length);
        int p = 0;
        for (int i = 0; i < scores.size(); i++) {
            if (Double.isNaN(scores.get(i))) {
                throw new IllegalArgumentException(
                        "scores[" + i + "] = NaN: scores must not be NaN");
            }
            if (positive[i]) {
                p++;
            }
        }
        double[] pos = new double[p];
        double[] neg = new double[scores.size() - p];
        for (int i = 0, a = 0, b = 0; i < scores.size(); i++) {
            if (positive[i]) {
                pos[a++] = scores.get(i);
            } else {
                neg[b++] = scores.get(i);
            }
        }
        return Sorted.of(pos, pos.length, neg, neg.length);
    }

    /** Clamps a rank metric whose exact value lies in [0, 1] against rounding. */
    static double clampUnit(double v) {
        return Math.max(0.0, Math.min(1.0, v));
    }

    /** Positive and negative scores, each sorted ascending, -0.0 folded into 0.0. */
    record Sorted(double[] pos, double[] neg) {

        /** Copies, cleans and sorts the first {@code p} / {@code q} entries; checks both occur. */
        static Sorted of(double[] pos, int p, double[] neg, int q) {
            if (p == 0 || q == 0) {
                throw new IllegalArgumentException(
                        "only one class is present ("
                                + (p == 0
                                        ? q + " negatives, no positive"
                                        : p + " positives, no negative")
                                + "): AUROC, AUPR and FPR@TPR need both positive and negative"
                                + " examples");
            }
            double[] a = Arrays.copyOf(pos, p);
            double[] b = Arrays.copyOf(neg, q);
            for (int i = 0; i < p; i++) {
                a[i] += 0.0; // -0.0 + 0.0 == +0.0, so equal scores sort together
            }
            for (int i = 0; i < q; i++) {
                b[i] += 0.0;
            }
            Arrays.sort(a);
            Arrays.sort(b);
            return new Sorted(a, b);
        }

        double auroc() {
            // U = sum over positives of (#neg below + 1/2 #neg equal), in exact half-integers.
            double u = 0;
            int below = 0;
            int i = 0;
            while (i < pos.length) {
                double s = pos[i];
                int same = 0;
                while (i + same < pos.length && pos[i + same] == s) {
                    same++;
                }
                while (below < neg.length && neg[below] < s) {
                    below++;
                }
                int equal = 0;
                while (below + equal < neg.length && neg[below + equal] == s) {
                    equal++;
                }
                u += same * (below + 0.5 * equal);
                i += same;
            }
            return clampUnit(u / ((double) pos.length * neg.length));
        }

        double aupr() {
            double ap = 0;
            long tp = 0;
            long fp = 0;
            int i = pos.length - 1;
            int j = neg.length - 1;
            double total = pos.length;
            while (i >= 0) { // thresholds beyond full recall add nothing
                double t = Math.max(pos[i], j >= 0 ? neg[j] : Double.NEGATIVE_INFINITY);
                long dtp = 0;
                while (i >= 0 && pos[i] == t) {
                    dtp++;
                    i--;
                }
                while (j >= 0 && neg[j] == t) {
                    fp++;
                    j--;
                }
                tp += dtp;
                ap += dtp * ((double) tp / (tp + fp));
            }
            // Summing dtp * precision and dividing once makes perfect separation exactly 1 (the sum
            // of (dtp / P) * precision rounded to 1 + 2^-52 for 86 of the sizes 1..200). The exact
            // value is in (0, 1]; clamp here, where it is computed, against any rounding left.
            return clampUnit(ap / total);
        }

        double fprAtTpr(double target) {
            if (!(target > 0 && target <= 1)) {
                throw new IllegalArgumentException(
                        "tpr should be in (0, 1] but the value passed is " + target);
            }
            long tp = 0;
            long fp = 0;
            int i = pos.length - 1;
            int j = neg.length - 1;
            while (i >= 0) {
                double t = Math.max(pos[i], j >= 0 ? neg[j] : Double.NEGATIVE_INFINITY);
                while (i >= 0 && pos[i] == t) {
                    tp++;
                    i--;
                }
                while (j >= 0 && neg[j] == t) {
                    fp++;
                    j--;
                }
                if ((double) tp / pos.length >= target) {
                    return (double) fp / neg.length;
                }
            }
            throw new AssertionError("TPR reaches 1 at the lowest positive score");
        }
    }
}
