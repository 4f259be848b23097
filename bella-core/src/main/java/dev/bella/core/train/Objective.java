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
package dev.bella.core.train;

/**
 * The scale of each particle's training objective \( U_j \), which sets what an update rule's
 * constants (SVGD's repulsion weight \( \gamma \)) mean (SPEC §2). With \( \bar\ell_j \) particle
 * \( j \)'s mean minibatch loss, \( N \) the data set's size and \( \lambda \) the prior precision:
 */
public enum Objective {
    /**
     * \( U_j = N \bar\ell_j + \frac{\lambda}{2} \|\theta_j\|^2 \): the negative log posterior (up
     * to a constant). SVGD with repulsion weight \( \gamma \) targets \( \exp(-U/\gamma) = p(\theta
     * \mid D)^{1/\gamma} \): with \( \gamma = 1 \) it is exact SVGD on the posterior; the paper's
     * small \( \gamma \) would make the repulsion \( \gamma / N \) of what the paper means (a
     * posterior at temperature \( \gamma \), far colder than the Bayesian one).
     */
    DATA_SET,
    /**
     * \( U_j = \bar\ell_j + \frac{\lambda}{2N} \|\theta_j\|^2 \) (the default): the per-example
     * objective, \( 1/N \) of the negative log posterior, on which the paper's \( \gamma \) (0.001
     * to 0.05) acts. SVGD with repulsion weight \( \gamma \) then targets \( \exp(-U/\gamma) =
     * p(\theta \mid D)^{1/(\gamma N)} \), the posterior at temperature \( T = \gamma N \) (\(
     * \gamma = 0.01 \), \( N = 10{,}000 \): \( T = 100 \), a wider spread than the posterior's,
     * which is how the paper uses it); an ensemble (no repulsion) ignores the scale.
     */
    PER_EXAMPLE;

    /**
     * Returns the factor of the mean minibatch loss.
     *
     * @param dataSetSize \( N \)
     * @return \( N \) or 1
     */
    double lossScale(long dataSetSize) {
        return this == DATA_SET ? dataSetSize : 1;
    }

    /**
     * Returns the factor of the prior term \( \frac{\lambda}{2} \|\theta\|^2 \).
     *
     * @param dataSetSize \( N \)
     * @return 1 or \( 1/N \)
     */
    double priorScale(long dataSetSize) {
        return this == DATA_SET ? 1 : 1.0 / dataSetSize;
    }
}
