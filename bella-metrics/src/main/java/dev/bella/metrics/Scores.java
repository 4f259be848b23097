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
 * A read-only view of N scores, the input of the detection metrics ({@link Ranking}, {@link
 * DetectionMetrics}): a larger score means "more likely positive". A score vector may come from a
 * model in float32 ({@link #of(float[])}) or from this module's own per-example results in double
 * precision ({@link #of(double[])}, e.g. {@link UncertaintyScores#predictiveEntropy()}); neither
 * factory copies, and the metrics read every score as double.
 *
 * <p>Immutable as far as the viewed array is not changed, and thread-safe.
 */
public final class Scores {

    private final float[] floats;
    private final double[] doubles;

    private Scores(float[] floats, double[] doubles) {
        this.floats = floats;
        this.doubles = doubles;
    }

    /**
     * A view of float32 scores.
     *
     * @param values N scores
     * @return the view
     * @throws IllegalArgumentException if {@code values} is null
     */
    public static Scores of(float[] values) {
        Checks.notNull(values, "scores");
        return new Scores(values, null);
    }

    /**
     * A view of double-precision scores.
     *
     * @param values N scores
     * @return the view
     * @throws IllegalArgumentException if {@code values} is null
     */
    public static Scores of(double[] values) {
        Checks.notNull(values, "scores");
        return new Scores(null, values);
    }

    /**
     * N, the number of scores.
     *
     * @return N
     */
    public int size() {
        return floats != null ? floats.length : doubles.length;
    }

    /**
     * One score, widened to double.
     *
     * @param i the index, in [0, N)
     * @return the score
     * @throws IndexOutOfBoundsException if {@code i} is out of range
     */
    public double get(int i) {
        return floats != null ? floats[i] : doubles[i];
    }

    @Override
    public String toString() {
        return "Scores[" + size() + (floats != null ? ", float32 view]" : ", float64 view]");
    }
}
