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

import java.util.ArrayList;
import java.util.List;

/**
 * Streaming means of predictive entropy, aleatoric uncertainty, mutual information, disagreement
 * and per-particle diversity over batches of {@link ParticleProbabilities} n x N x C (see {@link
 * Uncertainty} for the definitions).
 *
 * <p>Accepting the examples in several batches gives exactly (bit for bit) the result of one batch;
 * {@link #combine(UncertaintyMetrics)} agrees with it to rounding. Memory is O(n C).
 *
 * <p>Not thread-safe: give each thread its own accumulator and combine them.
 */
public final class UncertaintyMetrics {

    private int particles = -1;
    private int classes = -1;
    private long count;
    private double entropySum;
    private double aleatoricSum;
    private double miSum;
    private double disagreementSum;
    private double[] klSum;

    private UncertaintyMetrics() {}

    /**
     * An empty accumulator.
     *
     * @return a new accumulator
     */
    public static UncertaintyMetrics create() {
        return new UncertaintyMetrics();
    }

    /**
     * Adds a batch of N examples. An empty batch (N = 0) changes nothing.
     *
     * @param particles n x N x C particle probabilities; n and C must match earlier batches
     * @return this accumulator
     * @throws IllegalArgumentException on bad input (shapes, probabilities); the accumulator is
     *     then unchanged
     */
    public UncertaintyMetrics accept(ParticleProbabilities particles) {
        return accept(particles, null);
    }

    /** Accepts a batch, also recording each example's values into {@code perExample} if given. */
    UncertaintyMetrics accept(
            ParticleProbabilities particles, UncertaintyScores.Builder perExample) {
        Checks.notNull(particles, "particles");
        int rows = particles.rows();
        if (rows == 0) {
            return this;
        }
        int n = particles.particles();
        UncertaintyScan k = scan(n, particles.classes());
        double[] sums = {entropySum, aleatoricSum, miSum, disagreementSum};
        double[] kl = count == 0 ? new double[n] : klSum.clone();
        for (int e = 0; e < rows; e++) {
            k.load(particles, e);
            add(k, sums, kl);
            if (perExample != null) {
                perExample.set(e, k);
            }
        }
        set(rows, sums, kl, n, particles.classes());
        return this;
    }

    private UncertaintyScan scan(int n, int c) {
        if (count > 0 && (n != particles || c != classes)) {
            throw new IllegalArgumentException(
                    "shapes disagree: this batch has n = "
                            + n
                            + " particles and C = "
                            + c
                            + " classes, earlier batches had n = "
                            + particles
                            + " and C = "
                            + classes);
        }
        return new UncertaintyScan(n, c);
    }

    private static void add(UncertaintyScan k, double[] sums, double[] kl) {
        sums[0] += k.predictiveEntropy;
        sums[1] += k.aleatoric;
        sums[2] += k.mutualInformation;
        sums[3] += k.disagreement;
        for (int i = 0; i < kl.length; i++) {
            kl[i] += k.klToMean[i];
        }
    }

    /**
     * Commits a batch whose running sums started from this accumulator's, so rows are added in the
     * same order as in one whole batch, and a failing batch leaves nothing behind.
     */
    private void set(long n, double[] sums, double[] kl, int p, int c) {
        particles = p;
        classes = c;
        count += n;
        entropySum = sums[0];
        aleatoricSum = sums[1];
        miSum = sums[2];
        disagreementSum = sums[3];
        klSum = kl;
    }

    /**
     * Adds what another accumulator has seen. The other accumulator is not changed.
     *
     * @param other an accumulator with the same n and C, or an empty one
     * @return this accumulator
     * @throws IllegalArgumentException if n or C differ
     */
    public UncertaintyMetrics combine(UncertaintyMetrics other) {
        Checks.notNull(other, "other");
        if (other.count == 0) {
            return this;
        }
        scan(other.particles, other.classes);
        double[] kl = count == 0 ? new double[other.particles] : klSum.clone();
        for (int i = 0; i < kl.length; i++) {
            kl[i] += other.klSum[i];
        }
        double[] sums = {
            entropySum + other.entropySum,
            aleatoricSum + other.aleatoricSum,
            miSum + other.miSum,
            disagreementSum + other.disagreementSum
        };
        set(other.count, sums, kl, other.particles, other.classes);
        return this;
    }

    /**
     * The number of examples accepted so far.
     *
     * @return N
     */
    public long count() {
        return count;
    }

    /**
     * The means over every example accepted so far.
     *
     * @return the result
     * @throws IllegalStateException if no example was accepted (means are undefined for N = 0)
     */
    public UncertaintyResult result() {
        if (count == 0) {
            throw new IllegalStateException(
                    "no example accepted: the means are undefined for N = 0; call accept() first");
        }
        List<Double> diversity = new ArrayList<>(particles);
        for (double s : klSum) {
            diversity.add(s / count);
        }
        return new UncertaintyResult(
                count,
                particles,
                entropySum / count,
                aleatoricSum / count,
                miSum / count,
                disagreementSum / count,
                diversity);
    }
}
