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
 * Accuracy, NLL, Brier score and calibration of N predictions, as computed in one pass by {@link
 * ClassificationMetrics}.
 *
 * <p>Immutable and thread-safe.
 *
 * @param count N, the number of examples (at least 1)
 * @param classes C, the number of classes
 * @param accuracy the fraction of examples whose first argmax equals the label
 * @param nll the mean negative log-likelihood {@code mean_n -log(max(p[n][y_n], 1e-12))} in nats
 *     (see {@link Probabilities#NLL_EPSILON})
 * @param brier the Brier score {@code mean_n sum_c (p[n][c] - onehot(y_n)_c)^2}, in [0, 2]
 * @param reliability the reliability-diagram data, from which ECE and MCE derive
 */
public record ClassificationResult(
        long count,
        int classes,
        double accuracy,
        double nll,
        double brier,
        ReliabilityDiagram reliability) {

    /**
     * Validates the result.
     *
     * @throws IllegalArgumentException if a value is out of its range
     */
    public ClassificationResult {
        if (count <= 0 || classes <= 0) {
            throw new IllegalArgumentException(
                    "count = " + count + " and classes = " + classes + " must be positive");
        }
        if (!(accuracy >= 0 && accuracy <= 1) || Double.isNaN(nll) || Double.isNaN(brier)) {
            throw new IllegalArgumentException(
                    "accuracy = "
                            + accuracy
                            + " must be in [0, 1], nll = "
                            + nll
                            + " and brier = "
                            + brier
                            + " must not be NaN");
        }
        Checks.notNull(reliability, "reliability");
    }

    /**
     * Top-label expected calibration error; see {@link ReliabilityDiagram#ece()}.
     *
     * @return the ECE in [0, 1]
     */
    public double ece() {
        return reliability.ece();
    }

    /**
     * Maximum calibration error; see {@link ReliabilityDiagram#mce()}.
     *
     * @return the MCE in [0, 1]
     */
    public double mce() {
        return reliability.mce();
    }

    /**
     * The halved Brier score {@code brier / 2}, in [0, 1]. For two classes it equals scikit-learn's
     * binary {@code brier_score_loss} on the positive-class probability.
     *
     * @return the halved Brier score
     */
    public double brierHalved() {
        return brier / 2;
    }

    /**
     * The number of bins M of the reliability diagram.
     *
     * @return M
     */
    public int bins() {
        return reliability.bins().size();
    }
}
