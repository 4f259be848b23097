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
