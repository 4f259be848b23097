package dev.bella.examples.study;

import dev.bella.metrics.MetricsReport;

/**
 * One method's row of the study.
 *
 * @param name the method's display name
 * @param particles its number of particles (members)
 * @param trainablePerParticle trainable values of one particle
 * @param trainableTotal trainable values of all particles
 * @param adapterBytes bytes on disk of what must be stored besides the base (adapters or copies)
 * @param trainSeconds wall time of the fine-tuning
 * @param report metrics on the test split with the OOD images flagged
 * @param corruptionAccuracy accuracy per severity 1..5, averaged over the corruptions (empty if not
 *     evaluated)
 * @param shiftAuroc AUROC of the predictive entropy separating test images corrupted at severity 5
 *     from clean ones (NaN if not evaluated)
 * @param fgsmEpsilons the FGSM step sizes
 * @param fgsmAccuracy accuracy under FGSM at each step size (empty if not evaluated)
 */
public record MethodResult(
        String name,
        int particles,
        long trainablePerParticle,
        long trainableTotal,
        long adapterBytes,
        double trainSeconds,
        MetricsReport report,
        double[] corruptionAccuracy,
        double shiftAuroc,
        double[] fgsmEpsilons,
        double[] fgsmAccuracy) {}
