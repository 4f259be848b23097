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

/**
 * Conventions shared by every metric on probabilities, and small helpers around them.
 *
 * <p>Probabilities come as a {@link ProbabilityMatrix} of shape N x C (row {@code n} holds the
 * predicted distribution over the C classes for example {@code n}), or as {@link
 * ParticleProbabilities} of shape n x N x C (particle first), each a view of a row-major {@code
 * float[]}. Every sum is accumulated in double precision and every result is a double. A row is
 * valid when every entry is finite and non-negative (NaN is rejected) and its sum is within {@link
 * #ROW_SUM_TOLERANCE} of 1. Entries of exactly 0 or 1 are valid.
 *
 * <p>The predicted class is the first index of the largest entry (as NumPy's and PyTorch's {@code
 * argmax}); logarithms are natural, so entropies and NLL are in nats.
 *
 * <p>All methods are pure and thread-safe.
 */
public final class Probabilities {

    /**
     * Largest accepted {@code |sum_c p[n][c] - 1|} for a row: {@value}. Loose enough for float32
     * softmax outputs over thousands of classes and for probabilities saved in half precision;
     * tight enough to reject logits or unnormalised scores. Rows are never renormalised.
     */
    public static final double ROW_SUM_TOLERANCE = 1e-3;

    /**
     * The lower clamp of the NLL, {@value}: the NLL of an example is {@code -log(max(p[n][y_n],
     * 1e-12))}, so a zero probability for the true class costs {@code -log(1e-12) = 27.63} nats
     * instead of infinity. There is no upper clamp.
     */
    public static final double NLL_EPSILON = 1e-12;

    private Probabilities() {}

    /**
     * Expands binary probabilities of the positive class into two-class rows {@code [1 - p, p]}, so
     * that binary problems are scored top-label like any other (SPEC section 5).
     *
     * @param positive the probability of class 1 for each example, each in [0, 1]
     * @return an N x 2 matrix over a new array
     * @throws IllegalArgumentException if an entry is NaN or outside [0, 1]
     */
    public static ProbabilityMatrix twoClass(float[] positive) {
        Checks.notNull(positive, "positive");
        float[] out = new float[2 * positive.length];
        for (int n = 0; n < positive.length; n++) {
            float p = positive[n];
            if (!(p >= 0 && p <= 1)) {
                throw new IllegalArgumentException(
                        "positive[" + n + "] = " + p + " is not a probability in [0, 1]");
            }
            out[2 * n] = 1 - p;
            out[2 * n + 1] = p;
        }
        return ProbabilityMatrix.of(out, positive.length, 2);
    }

    /**
     * Misclassification flags, for misclassification detection: {@code true} where the predicted
     * class (first argmax, {@link ProbabilityMatrix#argmax(int)}) differs from the label.
     *
     * @param probs N x C probabilities (not validated beyond shapes)
     * @param labels N labels in [0, C)
     * @return N flags, {@code true} = misclassified
     * @throws IllegalArgumentException if shapes disagree or a label is out of range
     */
    public static boolean[] misclassified(ProbabilityMatrix probs, int[] labels) {
        Checks.labelsMatch(labels, probs);
        boolean[] out = new boolean[labels.length];
        for (int n = 0; n < labels.length; n++) {
            Checks.label(labels, n, probs.classes());
            out[n] = probs.argmax(n) != labels[n];
        }
        return out;
    }
}
