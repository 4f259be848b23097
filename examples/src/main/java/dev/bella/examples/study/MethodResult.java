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
package dev.bella.examples.study;

import dev.bella.metrics.MetricsReport;

/**
 * One method's row of the study.
 *
 * @param id the method's id (see {@link StudyMethods})
 * @param name the method's display name
 * @param particles its number of particles (members); 1 for a Dirichlet student
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
 * @param correct for each test image (in-distribution, in order), whether the posterior
 *     predictive's class is its label
 * @param mce the MCE of the report's table: the largest calibration gap over the equal-width bins
 *     holding at least the settings' {@code mceMinCount} examples (NaN if none does)
 * @param mceBinCount how many test images the bin holding that gap has (0 if none)
 * @param weightDistance the mean pairwise squared distance of the particles' low-rank perturbations
 *     (see {@link Evaluation#meanPairwiseDistance}); NaN without low-rank layers
 * @param storedValues the values the method's posterior holds in its own form beside the frozen
 *     base (see {@link StudyMethods.StudyMethod#storedValues})
 */
public record MethodResult(
        String id,
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
        double[] fgsmAccuracy,
        boolean[] correct,
        double mce,
        long mceBinCount,
        double weightDistance,
        long storedValues) {

    /**
     * Whether the method has an epistemic part to report (mutual information, the MI-based OOD
     * AUROC): several samples, or one predictive whose split is in closed form (a Dirichlet
     * student). A single model has none.
     *
     * @return {@code true} if the MI-based columns apply
     */
    public boolean epistemic() {
        return particles > 1 || report.hasClosedFormUncertainty();
    }
}
