package dev.bella.core.posterior;

import java.util.Map;

/**
 * What one training epoch measured; part of a posterior's {@link Provenance}.
 *
 * @param epoch the 0-based epoch
 * @param steps optimizer steps taken so far, over all epochs
 * @param trainLoss mean per-particle loss over the epoch's batches (per example, not scaled)
 * @param trainAccuracy posterior-predictive accuracy on the training batches
 * @param validationLoss the same loss on the validation set, or NaN without one
 * @param validationAccuracy posterior-predictive accuracy on the validation set, or NaN
 * @param diagnostics the update rule's diagnostics averaged over the epoch's steps (for SVGD:
 *     {@code "h2"}, the squared kernel bandwidth, and {@code "mean_kernel"}, the mean off-diagonal
 *     kernel value); empty for a rule that reports none
 * @param seconds wall time of the epoch, validation included
 */
public record EpochStats(
        int epoch,
        long steps,
        double trainLoss,
        double trainAccuracy,
        double validationLoss,
        double validationAccuracy,
        Map<String, Double> diagnostics,
        double seconds) {

    /** Copies the diagnostics (unmodifiable). */
    public EpochStats {
        diagnostics = Map.copyOf(diagnostics);
    }

    /**
     * Returns one diagnostic, or NaN if the rule did not report it.
     *
     * @param name e.g. {@code "h2"}
     * @return the value or NaN
     */
    public double diagnostic(String name) {
        Double v = diagnostics.get(name);
        return v == null ? Double.NaN : v;
    }
}
