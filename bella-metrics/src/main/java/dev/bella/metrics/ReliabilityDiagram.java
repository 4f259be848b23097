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

import java.util.List;
import java.util.Optional;

/**
 * Reliability-diagram data: for each of M equal-width confidence bins, how many examples fell in
 * it, their mean confidence and their accuracy. ECE and MCE are derived from it.
 *
 * <p>Bin {@code b} holds the examples whose top-label confidence {@code conf = max_c p[n][c]}
 * satisfies {@code floor(conf * M) == b} (computed in double precision), that is {@code conf} in
 * {@code [b/M, (b+1)/M)}; the last bin is closed at 1.0, so a confidence of exactly 1.0 is counted
 * in bin M - 1 (torchmetrics puts it in a hidden extra bin instead). A confidence of exactly 0 goes
 * to bin 0.
 *
 * <p>Immutable and thread-safe.
 *
 * @param bins the M bins, in order of confidence; an unmodifiable list
 */
public record ReliabilityDiagram(List<Bin> bins) {

    /**
     * Validates and copies the bins.
     *
     * @throws IllegalArgumentException if there is no bin, or a bin's index is not its position
     */
    public ReliabilityDiagram {
        Checks.notNull(bins, "bins");
        bins = List.copyOf(bins);
        if (bins.isEmpty()) {
            throw new IllegalArgumentException("a reliability diagram needs at least one bin");
        }
        for (int b = 0; b < bins.size(); b++) {
            if (bins.get(b).index() != b) {
                throw new IllegalArgumentException(
                        "bins.get(" + b + ").index() = " + bins.get(b).index() + ", expected " + b);
            }
        }
    }

    /**
     * The total number of examples over all bins.
     *
     * @return the count
     */
    public long count() {
        long total = 0;
        for (Bin bin : bins) {
            total += bin.count();
        }
        return total;
    }

    /**
     * Expected calibration error, {@code sum_b |B_b|/N * |acc(B_b) - conf(B_b)|}; empty bins add
     * nothing.
     *
     * @return the ECE in [0, 1], or NaN if every bin is empty
     */
    public double ece() {
        long total = count();
        if (total == 0) {
            return Double.NaN;
        }
        double ece = 0;
        for (Bin bin : bins) {
            if (bin.count() > 0) {
                ece += (double) bin.count() / total * bin.gap();
            }
        }
        return ece;
    }

    /**
     * Maximum calibration error, {@code max_b |acc(B_b) - conf(B_b)|} over the non-empty bins.
     *
     * @return the MCE in [0, 1], or NaN if every bin is empty
     */
    public double mce() {
        double mce = Double.NaN;
        for (Bin bin : bins) {
            if (bin.count() > 0 && !(bin.gap() <= mce)) {
                mce = bin.gap();
            }
        }
        return mce;
    }

    /**
     * Maximum calibration error over the bins holding at least {@code minCount} examples: {@code
     * max_b |acc(B_b) - conf(B_b)|} over {@code |B_b| >= minCount}. Sparse bins (one or two
     * examples) can dominate the MCE of a small or very accurate test set; leaving them out shows
     * the gap of the bins that carry evidence. {@code mce(1)} equals {@link #mce()}.
     *
     * @param minCount the fewest examples a bin must hold to count, at least 1
     * @return the MCE in [0, 1], or NaN if no bin holds {@code minCount} examples
     * @throws IllegalArgumentException if {@code minCount < 1}
     */
    public double mce(long minCount) {
        return mceBin(minCount).map(Bin::gap).orElse(Double.NaN);
    }

    /**
     * The bin whose gap is the MCE (the first such bin on ties), so that a report can say how many
     * examples the MCE rests on.
     *
     * @return the bin, empty if every bin is empty
     */
    public Optional<Bin> mceBin() {
        return mceBin(1);
    }

    /**
     * The bin whose gap is {@link #mce(long)} (the first such bin on ties).
     *
     * @param minCount the fewest examples a bin must hold to count, at least 1
     * @return the bin, empty if no bin holds {@code minCount} examples
     * @throws IllegalArgumentException if {@code minCount < 1}
     */
    public Optional<Bin> mceBin(long minCount) {
        if (minCount < 1) {
            throw new IllegalArgumentException(
                    "minCount must be at least 1, minCount = " + minCount);
        }
        Bin best = null;
        for (Bin bin : bins) {
            if (bin.count() >= minCount && (best == null || bin.gap() > best.gap())) {
                best = bin;
            }
        }
        return Optional.ofNullable(best);
    }

    /**
     * One bin of a reliability diagram.
     *
     * @param index the bin index b in [0, M)
     * @param lower the lower edge b/M (inclusive)
     * @param upper the upper edge (b+1)/M (exclusive, except inclusive for the last bin)
     * @param count the number of examples whose confidence fell in the bin
     * @param meanConfidence the mean top-label confidence of those examples, NaN if the bin is
     *     empty
     * @param accuracy the fraction of those examples predicted correctly, NaN if the bin is empty
     */
    public record Bin(
            int index,
            double lower,
            double upper,
            long count,
            double meanConfidence,
            double accuracy) {

        /**
         * Validates the bin.
         *
         * @throws IllegalArgumentException if the count is negative, or the means are not in [0, 1]
         *     (or not NaN for an empty bin)
         */
        public Bin {
            if (index < 0 || count < 0 || !(lower <= upper)) {
                throw new IllegalArgumentException(
                        "invalid bin: index = "
                                + index
                                + ", count = "
                                + count
                                + ", lower = "
                                + lower
                                + ", upper = "
                                + upper);
            }
            if (count == 0) {
                if (!Double.isNaN(meanConfidence) || !Double.isNaN(accuracy)) {
                    throw new IllegalArgumentException(
                            "an empty bin has NaN mean confidence and accuracy, got "
                                    + meanConfidence
                                    + " and "
                                    + accuracy);
                }
            } else if (!(accuracy >= 0 && accuracy <= 1 && meanConfidence >= 0)) {
                throw new IllegalArgumentException(
                        "bin "
                                + index
                                + ": accuracy = "
                                + accuracy
                                + " must be in [0, 1] and meanConfidence = "
                                + meanConfidence
                                + " non-negative");
            }
        }

        /**
         * The calibration gap {@code |accuracy - meanConfidence|}.
         *
         * @return the gap, NaN for an empty bin
         */
        public double gap() {
            return Math.abs(accuracy - meanConfidence);
        }
    }
}
