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

/** Builds the metrics' input views from the nested arrays the tests write literally. */
final class TestViews {

    private TestViews() {}

    /** A float32 matrix, as a user's model output would be. */
    static ProbabilityMatrix m(float[][] rows) {
        if (rows.length == 0) {
            return ProbabilityMatrix.of(new float[0], 0, 1);
        }
        return ProbabilityMatrix.copyOf(rows);
    }

    /**
     * A double-precision matrix (as the posterior predictive is held), so that hand-computed
     * references in double are exact.
     */
    static ProbabilityMatrix m(double[][] rows) {
        int c = rows.length == 0 ? 1 : rows[0].length;
        double[] flat = new double[rows.length * c];
        for (int n = 0; n < rows.length; n++) {
            if (rows[n].length != c) {
                throw new IllegalArgumentException("ragged test matrix");
            }
            System.arraycopy(rows[n], 0, flat, n * c, c);
        }
        return ProbabilityMatrix.ofDoubles(flat, rows.length, c);
    }

    /** Particle probabilities, copied. */
    static ParticleProbabilities pp(float[][][] particles) {
        return ParticleProbabilities.copyOf(particles);
    }

    /** Scores, viewed. */
    static Scores s(double[] scores) {
        return Scores.of(scores);
    }
}
