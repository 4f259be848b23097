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
package dev.bella.metrics.interop;

import dev.bella.metrics.ClassificationMetrics;
import dev.bella.metrics.ClassificationResult;
import dev.bella.metrics.MetricsReport;
import dev.bella.metrics.ParticleProbabilities;
import dev.bella.metrics.ProbabilityMatrix;
import dev.bella.metrics.Scores;
import dev.bella.metrics.Uncertainty;
import dev.bella.metrics.UncertaintyScores;

/**
 * The one contract by which an array library feeds the metrics: an adapter turns the library's
 * array type {@code A} into the metrics' input views ({@link ProbabilityMatrix}, {@link
 * ParticleProbabilities}, {@link Scores}) plus labels and flags, and gets every convenience
 * (classification, uncertainty, the full report) from the default methods, so that every library
 * goes down the same path.
 *
 * <p>Implementations: {@link Nd4jArrays} (ND4J's {@code INDArray}, here) and bella-core's {@code
 * dev.bella.metrics.interop.DjlArrays} (DJL's {@code NDArray}). Rules every implementation follows:
 *
 * <ul>
 *   <li>probabilities are read as float32 into one row-major {@code float[]} (one copy from the
 *       library's memory to the Java heap, none after: the view wraps that array); other floating
 *       types are converted;
 *   <li>probabilities have rank 2 {@code (N, C)}, particle probabilities rank 3 {@code (n, N, C)},
 *       particle first; labels, flags and scores are vectors;
 *   <li>labels must hold integer values, flags 0 or 1; otherwise, and for a wrong rank or a null
 *       array, {@link IllegalArgumentException} with the index and value or the shape;
 *   <li>the library's array is only read: not modified, not closed.
 * </ul>
 *
 * <p>Implementations are stateless and thread-safe as far as reading the arrays is.
 *
 * @param <A> the library's array type
 */
public interface ArrayAdapter<A> {

    /**
     * N x C probabilities from an array of shape {@code (N, C)}.
     *
     * @param probs the probabilities (after softmax, not logits)
     * @return a view over a new float32 copy
     * @throws IllegalArgumentException if the array is null or not of rank 2
     */
    ProbabilityMatrix probabilities(A probs);

    /**
     * n x N x C particle probabilities from an array of shape {@code (n, N, C)}, particle first.
     *
     * @param particles the per-particle probabilities
     * @return a view over a new float32 copy
     * @throws IllegalArgumentException if the array is null or not of rank 3
     */
    ParticleProbabilities particleProbabilities(A particles);

    /**
     * N integer labels from a vector.
     *
     * @param labels class indices
     * @return a new array
     * @throws IllegalArgumentException if the array is not a vector or a value is not an integer
     */
    int[] labels(A labels);

    /**
     * N flags from a vector of 0/1 values, 1 = {@code true} (e.g. OOD).
     *
     * @param flags the flags
     * @return a new array
     * @throws IllegalArgumentException if the array is not a vector or a value is not 0 or 1
     */
    boolean[] flags(A flags);

    /**
     * A vector of scores (e.g. a per-example score computed in the library).
     *
     * @param scores the scores
     * @return a view over a new float32 copy
     * @throws IllegalArgumentException if the array is not a vector
     */
    Scores scores(A scores);

    /**
     * The number of dimensions of an array.
     *
     * @param array the array
     * @return its rank
     * @throws IllegalArgumentException if the array is null
     */
    int rank(A array);

    /**
     * Accuracy, NLL, Brier, ECE, MCE (15 bins) of N x C probabilities; see {@link
     * ClassificationMetrics}.
     *
     * @param probs {@code (N, C)} probabilities
     * @param labels {@code (N)} labels
     * @return the result
     * @throws IllegalArgumentException on bad input
     */
    default ClassificationResult classification(A probs, A labels) {
        return ClassificationMetrics.of(probabilities(probs), labels(labels));
    }

    /**
     * Per-example and mean uncertainty of particle probabilities; see {@link Uncertainty}.
     *
     * @param particles {@code (n, N, C)} probabilities, particle first
     * @return the scores
     * @throws IllegalArgumentException on bad input
     */
    default UncertaintyScores uncertainty(A particles) {
        return Uncertainty.of(particleProbabilities(particles));
    }

    /**
     * The full report; see {@link MetricsReport}.
     *
     * @param probs {@code (N, C)} probabilities of one model or {@code (n, N, C)} of n particles
     * @param labels {@code (N)} labels
     * @param ood {@code (N)} OOD flags, or {@code null}
     * @return the report
     * @throws IllegalArgumentException on bad input, or if {@code probs} is neither of rank 2 nor 3
     */
    default MetricsReport report(A probs, A labels, A ood) {
        MetricsReport.Builder b = MetricsReport.builder().setLabels(labels(labels));
        if (rank(probs) == 3) {
            b.setParticleProbabilities(particleProbabilities(probs));
        } else {
            b.setProbabilities(probabilities(probs));
        }
        if (ood != null) {
            b.optOod(flags(ood));
        }
        return b.build();
    }
}
