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

/**
 * Means over N examples of the uncertainty of n particles (SPEC section 4; nats).
 *
 * <p>Immutable and thread-safe.
 *
 * @param count N, the number of examples (at least 1)
 * @param particles n, the number of particles
 * @param predictiveEntropy the mean total uncertainty \( H[\bar p] \), \( \bar p = \frac1n \sum_i
 *     p_i \)
 * @param aleatoric the mean expected entropy \( \frac1n \sum_i H[p_i] \)
 * @param mutualInformation the mean epistemic uncertainty \( H[\bar p] - \frac1n \sum_i H[p_i] =
 *     \frac1n \sum_i KL(p_i \| \bar p) \)
 * @param disagreement the mean fraction of particles whose predicted class (first argmax) differs
 *     from that of the posterior predictive
 * @param diversity for each particle i, the mean over examples of \( KL(p_i \| \bar p) \) (the
 *     paper's diversity measure, App. A); their mean is {@code mutualInformation}. Unmodifiable.
 */
public record UncertaintyResult(
        long count,
        int particles,
        double predictiveEntropy,
        double aleatoric,
        double mutualInformation,
        double disagreement,
        List<Double> diversity) {

    /**
     * Validates and copies the result.
     *
     * @throws IllegalArgumentException if counts are not positive, a value is NaN, or {@code
     *     diversity} does not have one entry per particle
     */
    public UncertaintyResult {
        if (count <= 0 || particles <= 0) {
            throw new IllegalArgumentException(
                    "count = " + count + " and particles = " + particles + " must be positive");
        }
        Checks.notNull(diversity, "diversity");
        diversity = List.copyOf(diversity);
        if (diversity.size() != particles) {
            throw new IllegalArgumentException(
                    "diversity.size() = "
                            + diversity.size()
                            + " must equal particles = "
                            + particles);
        }
        if (Double.isNaN(predictiveEntropy + aleatoric + mutualInformation + disagreement)) {
            throw new IllegalArgumentException("uncertainty means must not be NaN");
        }
    }
}
