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
 * Streaming macro-averaged one-vs-rest AUROC of N x C probabilities (see {@link
 * Ranking#macroAurocOvr(ProbabilityMatrix, int[])}): the mean over classes of the binary AUROC of
 * column c against {@code labels == c}.
 *
 * <p>Keeps every probability (O(N C) memory, 8 bytes each). The result is exactly the whole-batch
 * result whatever the batching and combining order. Rows are checked as in {@link
 * ClassificationMetrics}.
 *
 * <p>Not thread-safe: give each thread its own accumulator and combine them.
 */
public final class MacroAuroc {

    private DetectionMetrics[] perClass;

    private MacroAuroc() {}

    /**
     * An empty accumulator.
     *
     * @return a new accumulator
     */
    public static MacroAuroc create() {
        return new MacroAuroc();
    }

    /**
     * Adds a batch. An empty batch changes nothing.
     *
     * @param probs N x C probabilities; C must match earlier batches
     * @param labels N labels in [0, C)
     * @return this accumulator
     * @throws IllegalArgumentException on bad input; the accumulator is then unchanged
     */
    public MacroAuroc accept(ProbabilityMatrix probs, int[] labels) {
        Checks.labelsMatch(labels, probs);
        if (probs.rows() == 0) {
            return this;
        }
        int c = probs.classes();
        int rows = probs.rows();
        double[][] columns = new double[c][rows];
        for (int n = 0; n < rows; n++) {
            probs.checkRow(n, "probs");
            Checks.label(labels, n, c);
            for (int k = 0; k < c; k++) {
                columns[k][n] = probs.get(n, k);
            }
        }
        return add(columns, labels);
    }

    private MacroAuroc add(double[][] columns, int[] labels) {
        int c = columns.length;
        checkClasses(c);
        if (perClass == null) {
            perClass = new DetectionMetrics[c];
            for (int k = 0; k < c; k++) {
                perClass[k] = DetectionMetrics.create();
            }
        }
        boolean[] positive = new boolean[labels.length];
        for (int k = 0; k < c; k++) {
            for (int n = 0; n < labels.length; n++) {
                positive[n] = labels[n] == k;
            }
            perClass[k].accept(Scores.of(columns[k]), positive);
        }
        return this;
    }

    /**
     * Adds what another accumulator has seen. The other accumulator is not changed.
     *
     * @param other an accumulator with the same number of classes, or an empty one
     * @return this accumulator
     * @throws IllegalArgumentException if the numbers of classes differ
     */
    public MacroAuroc combine(MacroAuroc other) {
        Checks.notNull(other, "other");
        if (other.perClass == null) {
            return this;
        }
        checkClasses(other.perClass.length);
        if (perClass == null) {
            perClass = new DetectionMetrics[other.perClass.length];
            for (int k = 0; k < perClass.length; k++) {
                perClass[k] = DetectionMetrics.create();
            }
        }
        for (int k = 0; k < perClass.length; k++) {
            perClass[k].combine(other.perClass[k]);
        }
        return this;
    }

    /**
     * The macro one-vs-rest AUROC of everything accepted so far.
     *
     * @return the AUROC in [0, 1]
     * @throws IllegalStateException if nothing was accepted
     * @throws IllegalArgumentException if C = 1, or some class never occurs among the labels (its
     *     one-vs-rest AUROC is undefined), or all labels are the same class
     */
    public double result() {
        if (perClass == null) {
            throw new IllegalStateException(
                    "no example accepted: AUROC is undefined for N = 0; call accept() first");
        }
        if (perClass.length < 2) {
            throw new IllegalArgumentException(
                    "one-vs-rest AUROC needs at least 2 classes, probs has C = " + perClass.length);
        }
        double sum = 0;
        for (int k = 0; k < perClass.length; k++) {
            try {
                sum += perClass[k].result().auroc();
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(
                        "one-vs-rest AUROC of class " + k + " is undefined: " + e.getMessage(), e);
            }
        }
        return Ranking.clampUnit(sum / perClass.length); // a mean of values in [0, 1]
    }

    private void checkClasses(int c) {
        if (perClass != null && perClass.length != c) {
            throw new IllegalArgumentException(
                    "shapes disagree: this batch has C = "
                            + c
                            + " classes but earlier batches had C = "
                            + perClass.length);
        }
    }
}
