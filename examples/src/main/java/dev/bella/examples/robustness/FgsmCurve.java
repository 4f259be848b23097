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
package dev.bella.examples.robustness;

import java.util.List;

/**
 * Accuracy under FGSM at several perturbation sizes, as computed by {@link Fgsm#accuracyCurve}.
 *
 * @param epsilons the perturbation sizes, in the order they were asked for
 * @param accuracies the accuracy of the posterior predictive on the perturbed images, one per
 *     epsilon, each in {@code [0, 1]}
 * @param examples the number of images evaluated
 * @param lo the lower end of the valid input range the perturbed images were clipped to
 * @param hi the upper end of the valid input range
 */
public record FgsmCurve(
        List<Double> epsilons, List<Double> accuracies, long examples, double lo, double hi) {

    /**
     * Validates and copies the lists.
     *
     * @throws IllegalArgumentException if the lists differ in length, are empty, or an accuracy is
     *     outside {@code [0, 1]}
     */
    public FgsmCurve {
        epsilons = List.copyOf(epsilons);
        accuracies = List.copyOf(accuracies);
        if (epsilons.isEmpty() || epsilons.size() != accuracies.size()) {
            throw new IllegalArgumentException(
                    "epsilons and accuracies must be non-empty and the same length, epsilons.size"
                            + " = "
                            + epsilons.size()
                            + ", accuracies.size = "
                            + accuracies.size());
        }
        for (int i = 0; i < accuracies.size(); i++) {
            double a = accuracies.get(i);
            if (!(a >= 0 && a <= 1)) {
                throw new IllegalArgumentException(
                        "accuracy " + i + " must be in [0, 1], got " + a);
            }
        }
    }

    /**
     * Returns the accuracy at the {@code i}-th epsilon.
     *
     * @param i the index into {@link #epsilons()}
     * @return the accuracy
     */
    public double accuracy(int i) {
        return accuracies.get(i);
    }
}
