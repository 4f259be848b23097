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

import java.util.Arrays;

/**
 * The posterior predictive for one input (SPEC §4; natural logarithms, nats). With \( p_i \) the
 * softmax of particle {@code i}'s logits and \( n \) particles:
 *
 * <ul>
 *   <li>{@code probabilities}: the posterior predictive \( \bar p = \frac1n \sum_i p_i \), the mean
 *       of the particles' probabilities (never the softmax of mean logits);
 *   <li>{@code entropy}: the total uncertainty \( H[\bar p] = -\sum_y \bar p_y \log \bar p_y \);
 *   <li>{@code aleatoric}: the expected entropy \( \frac1n \sum_i H[p_i] \);
 *   <li>{@code mutualInformation}: the epistemic part \( H[\bar p] - \frac1n \sum_i H[p_i] =
 *       \frac1n \sum_i KL(p_i \| \bar p) \), so {@code entropy = aleatoric + mutualInformation} up
 *       to rounding;
 *   <li>{@code predicted}: the first index of the largest entry of \( \bar p \), and {@code
 *       confidence} that entry.
 * </ul>
 *
 * <p>Immutable and thread-safe: the probabilities are copied in and out. Equality compares the
 * probabilities by value.
 *
 * @param probabilities the posterior predictive over the classes, summing to 1 (to rounding)
 * @param predicted the predicted class, the first argmax of {@code probabilities}
 * @param confidence {@code probabilities[predicted]}
 * @param entropy the predictive (total) entropy \( H[\bar p] \) in nats
 * @param aleatoric the expected entropy of the particles in nats
 * @param mutualInformation the mutual information (epistemic uncertainty) in nats
 */
public record Prediction(
        double[] probabilities,
        int predicted,
        double confidence,
        double entropy,
        double aleatoric,
        double mutualInformation) {

    /**
     * Validates and copies.
     *
     * @throws IllegalArgumentException if {@code probabilities} is null or empty, {@code predicted}
     *     is not one of its indices, or a value is NaN
     */
    public Prediction {
        if (probabilities == null || probabilities.length == 0) {
            throw new IllegalArgumentException("probabilities must hold at least one class");
        }
        probabilities = probabilities.clone();
        if (predicted < 0 || predicted >= probabilities.length) {
            throw new IllegalArgumentException(
                    "predicted = "
                            + predicted
                            + " is outside [0, "
                            + probabilities.length
                            + "), the classes of probabilities");
        }
        if (Double.isNaN(confidence + entropy + aleatoric + mutualInformation)) {
            throw new IllegalArgumentException(
                    "confidence, entropy, aleatoric and mutualInformation must not be NaN, got "
                            + confidence
                            + ", "
                            + entropy
                            + ", "
                            + aleatoric
                            + ", "
                            + mutualInformation);
        }
    }

    /**
     * Returns the posterior predictive.
     *
     * @return one probability per class, a copy
     */
    @Override
    public double[] probabilities() {
        return probabilities.clone();
    }

    /**
     * Returns the posterior predictive probability of one class, without copying.
     *
     * @param c the class, in {@code [0, classCount())}
     * @return \( \bar p_c \)
     */
    public double probability(int c) {
        return probabilities[c];
    }

    /**
     * Returns the number of classes.
     *
     * @return C
     */
    public int classCount() {
        return probabilities.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Prediction p
                && Arrays.equals(probabilities, p.probabilities)
                && predicted == p.predicted
                && Double.compare(confidence, p.confidence) == 0
                && Double.compare(entropy, p.entropy) == 0
                && Double.compare(aleatoric, p.aleatoric) == 0
                && Double.compare(mutualInformation, p.mutualInformation) == 0;
    }

    @Override
    public int hashCode() {
        int h = Arrays.hashCode(probabilities);
        h = 31 * h + predicted;
        h = 31 * h + Double.hashCode(confidence);
        h = 31 * h + Double.hashCode(entropy);
        h = 31 * h + Double.hashCode(aleatoric);
        return 31 * h + Double.hashCode(mutualInformation);
    }

    @Override
    public String toString() {
        return "Prediction[probabilities="
                + Arrays.toString(probabilities)
                + ", predicted="
                + predicted
                + ", confidence="
                + confidence
                + ", entropy="
                + entropy
                + ", aleatoric="
                + aleatoric
                + ", mutualInformation="
                + mutualInformation
                + "]";
    }
}
