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
