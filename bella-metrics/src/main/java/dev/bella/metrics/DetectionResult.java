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
 * Detection metrics of a score against binary labels (see {@link Ranking} for the definitions).
 *
 * <p>Immutable and thread-safe.
 *
 * @param positives the number of positive examples (e.g. OOD), at least 1
 * @param negatives the number of negative examples, at least 1
 * @param auroc the AUROC (Mann–Whitney, ties one half), equal to scikit-learn's {@code
 *     roc_auc_score}
 * @param aupr the average precision, equal to scikit-learn's {@code average_precision_score}
 * @param fpr95 the smallest FPR among thresholds with TPR at least 0.95
 */
public record DetectionResult(
        long positives, long negatives, double auroc, double aupr, double fpr95) {

    /**
     * Validates the result.
     *
     * @throws IllegalArgumentException if a count is not positive or a rate is not in [0, 1]
     */
    public DetectionResult {
        if (positives <= 0 || negatives <= 0) {
            throw new IllegalArgumentException(
                    "positives = "
                            + positives
                            + " and negatives = "
                            + negatives
                            + " must both be positive");
        }
        if (!(auroc >= 0 && auroc <= 1 && aupr >= 0 && aupr <= 1 && fpr95 >= 0 && fpr95 <= 1)) {
            throw new IllegalArgumentException(
                    "auroc = "
                            + auroc
                            + ", aupr = "
                            + aupr
                            + ", fpr95 = "
                            + fpr95
                            + " must be in [0, 1]");
        }
    }
}
