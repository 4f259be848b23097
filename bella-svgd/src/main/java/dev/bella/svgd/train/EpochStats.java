package dev.bella.svgd.train;

/**
 * What one training epoch measured.
 *
 * @param epoch the 0-based epoch
 * @param steps optimizer steps taken so far, over all epochs
 * @param trainLoss mean per-particle loss over the epoch's batches (per example, not scaled)
 * @param trainAccuracy posterior-predictive accuracy on the training batches
 * @param validationLoss the same loss on the validation set, or NaN without one
 * @param validationAccuracy posterior-predictive accuracy on the validation set, or NaN
 * @param squaredBandwidth the mean kernel bandwidth \( h^2 \) over the epoch's steps (NaN for an
 *     ensemble, which has no kernel)
 * @param meanKernel the mean off-diagonal kernel value over the epoch's steps (NaN for an ensemble)
 * @param seconds wall time of the epoch, validation included
 */
public record EpochStats(
        int epoch,
        long steps,
        double trainLoss,
        double trainAccuracy,
        double validationLoss,
        double validationAccuracy,
        double squaredBandwidth,
        double meanKernel,
        double seconds) {}
