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
 * Streaming AUROC, AUPR and FPR95 of a score against binary labels (see {@link Ranking} for the
 * definitions): {@link #accept(Scores, boolean[])} batches, {@link #combine(DetectionMetrics)}
 * partial accumulators, then {@link #result()}.
 *
 * <p>These metrics rank all examples, so the accumulator keeps every score (O(N) memory, 8 bytes a
 * score). The result depends only on the multiset of (score, flag) pairs, so it is exactly (bit for
 * bit) the whole-batch result whatever the batching and combining order.
 *
 * <p>Not thread-safe: give each thread its own accumulator and combine them.
 */
public final class DetectionMetrics {

    private double[] pos = new double[16];
    private double[] neg = new double[16];
    private int p;
    private int q;

    private DetectionMetrics() {}

    /**
     * An empty accumulator.
     *
     * @return a new accumulator
     */
    public static DetectionMetrics create() {
        return new DetectionMetrics();
    }

    /**
     * AUROC, AUPR and FPR95 of whole arrays.
     *
     * @param scores N scores, not NaN (larger = more likely positive)
     * @param positive N flags, {@code true} = positive (e.g. OOD, misclassified)
     * @return the result
     * @throws IllegalArgumentException if lengths differ, a score is NaN, or one class is absent
     */
    public static DetectionResult of(Scores scores, boolean[] positive) {
        return create().accept(scores, positive).result();
    }

    /**
     * Adds a batch of scores. An empty batch changes nothing.
     *
     * @param scores N scores, not NaN
     * @param positive N flags, {@code true} = positive
     * @return this accumulator
     * @throws IllegalArgumentException if lengths differ or a score is NaN; the accumulator is then
     *     unchanged
     */
    public DetectionMetrics accept(Scores scores, boolean[] positive) {
        Checks.notNull(scores, "scores");
        Checks.notNull(positive, "positive");
        Checks.sameLength("scores", scores.size(), "positive", positive.length);
        int np = 0;
        for (int i = 0; i < scores.size(); i++) {
            if (Double.isNaN(scores.get(i))) {
                throw new IllegalArgumentException(
                        "scores[" + i + "] = NaN: scores must not be NaN");
            }
            if (positive[i]) {
                np++;
            }
        }
        pos = grow(pos, p + np);
        neg = grow(neg, q + scores.size() - np);
        for (int i = 0; i < scores.size(); i++) {
            if (positive[i]) {
                pos[p++] = scores.get(i);
            } else {
                neg[q++] = scores.get(i);
            }
        }
        return this;
    }

    /**
     * Adds the scores another accumulator has seen. The other accumulator is not changed.
     *
     * @param other another accumulator
     * @return this accumulator
     */
    public DetectionMetrics combine(DetectionMetrics other) {
        Checks.notNull(other, "other");
        int op = other.p;
        int oq = other.q;
        pos = grow(pos, p + op);
        neg = grow(neg, q + oq);
        System.arraycopy(other.pos, 0, pos, p, op);
        System.arraycopy(other.neg, 0, neg, q, oq);
        p += op;
        q += oq;
        return this;
    }

    /**
     * The number of scores accepted so far.
     *
     * @return N
     */
    public long count() {
        return (long) p + q;
    }

    /**
     * AUROC, AUPR and FPR95 of every score accepted so far.
     *
     * @return the result
     * @throws IllegalArgumentException if only one class (or none) has been seen: the metrics are
     *     undefined
     */
    public DetectionResult result() {
        Ranking.Sorted s = Ranking.Sorted.of(pos, p, neg, q);
        return new DetectionResult(p, q, s.auroc(), s.aupr(), s.fprAtTpr(Ranking.TPR_95));
    }

    private static double[] grow(double[] a, int needed) {
        if (needed < 0) {
            throw new IllegalArgumentException("more than Integer.MAX_VALUE scores");
        }
        if (needed <= a.length) {
            return a;
        }
        int size = (int) Math.min(Integer.MAX_VALUE - 8, Math.max(needed, 2L * a.length));
        return Arrays.copyOf(a, size);
    }
}
