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
package dev.bella.baselines;

import java.util.random.RandomGenerator;

/**
 * The SWAG statistics of one parameter vector \( \theta \in \mathbb{R}^d \) (Maddox et al., "A
 * Simple Baseline for Bayesian Uncertainty in Deep Learning", NeurIPS 2019; SPEC §9), streamed one
 * iterate at a time with {@link #accept}: after \( T \) iterates \( \theta_1, \dots, \theta_T \)
 *
 * <ul>
 *   <li>the mean \( \bar\theta_T = \frac1T \sum_t \theta_t \) and the second moment \(
 *       \overline{\theta^2}_T = \frac1T \sum_t \theta_t^2 \) (element-wise), updated as \(
 *       \bar\theta_t = \bar\theta_{t-1} + (\theta_t - \bar\theta_{t-1}) / t \) in double precision;
 *   <li>the diagonal variance \( \sigma^2 = \max(\overline{\theta^2}_T - \bar\theta_T^2, 0) \): the
 *       difference can round below zero where the iterates barely move, and is clamped to exactly 0
 *       there (no floor above 0: such a value then has no diagonal noise);
 *   <li>the deviation matrix \( D \in \mathbb{R}^{d \times K} \), whose columns are the last \( K
 *       \) deviations \( \theta_t - \bar\theta_t \), each taken from the running mean
 *       <em>including</em> \( \theta_t \) (as the authors' code does), oldest column first; \( K \)
 *       is the number held, \( \min(T, K_{\max}) \).
 * </ul>
 *
 * <p>A sample is \( \theta = \bar\theta + \frac{1}{\sqrt2} \sigma \odot z_1 + \frac{1}{\sqrt{2(K -
 * 1)}} D z_2 \), \( z_1 \sim \mathcal{N}(0, I_d) \), \( z_2 \sim \mathcal{N}(0, I_K) \): a Gaussian
 * of mean \( \bar\theta \) and covariance \( \frac12 \operatorname{diag}(\sigma^2) + \frac{D
 * D^\top}{2(K - 1)} \), with \( K \) the columns held when sampling (at least 2).
 *
 * <p>Storage: \( (K_{\max} + 2) d \) values (mean, second moment, \( D \)). Not thread-safe.
 */
public final class SwagMoments {

    private final int dimension;
    private final int maxRank;
    private final double[] mean;
    private final double[] secondMoment;
    private final double[][] deviations;
    private long count;

    /**
     * Creates empty statistics.
     *
     * @param dimension \( d \), the values per iterate, {@code >= 1}
     * @param maxRank \( K_{\max} \), the deviation columns kept, {@code >= 2}
     * @throws IllegalArgumentException if {@code dimension < 1} or {@code maxRank < 2}
     */
    public SwagMoments(int dimension, int maxRank) {
        if (dimension < 1 || maxRank < 2) {
            throw new IllegalArgumentException(
                    "dimension must be >= 1 and maxRank (K) >= 2 (the low-rank term divides by K -"
                            + " 1), got dimension = "
                            + dimension
                            + ", maxRank = "
                            + maxRank);
        }
        this.dimension = dimension;
        this.maxRank = maxRank;
        this.mean = new double[dimension];
        this.secondMoment = new double[dimension];
        this.deviations = new double[maxRank][dimension];
    }

    /**
     * Adds one iterate.
     *
     * @param theta the iterate's values, {@code dimension} of them
     * @throws IllegalArgumentException if the length differs from the dimension or a value is NaN
     *     or infinite (the statistics are then unchanged)
     */
    public void accept(float[] theta) {
        if (theta.length != dimension) {
            throw new IllegalArgumentException(
                    "theta must have dimension = "
                            + dimension
                            + " values, theta.length = "
                            + theta.length);
        }
        for (int i = 0; i < dimension; i++) {
            if (!Float.isFinite(theta[i])) {
                throw new IllegalArgumentException(
                        "theta[" + i + "] = " + theta[i] + "; SWAG needs finite iterates");
            }
        }
        count++;
        double[] column = deviations[(int) ((count - 1) % maxRank)];
        for (int i = 0; i < dimension; i++) {
            double x = theta[i];
            mean[i] += (x - mean[i]) / count;
            secondMoment[i] += (x * x - secondMoment[i]) / count;
            column[i] = x - mean[i];
        }
    }

    /**
     * Returns \( d \).
     *
     * @return the values per iterate
     */
    public int dimension() {
        return dimension;
    }

    /**
     * Returns \( K_{\max} \).
     *
     * @return the deviation columns kept at most
     */
    public int maxRank() {
        return maxRank;
    }

    /**
     * Returns \( T \).
     *
     * @return the iterates accepted
     */
    public long count() {
        return count;
    }

    /**
     * Returns \( K = \min(T, K_{\max}) \).
     *
     * @return the deviation columns held
     */
    public int rank() {
        return (int) Math.min(count, maxRank);
    }

    /**
     * Returns \( \bar\theta \).
     *
     * @return a copy of the mean (zeros before the first iterate)
     */
    public double[] mean() {
        return mean.clone();
    }

    /**
     * Returns \( \overline{\theta^2} \).
     *
     * @return a copy of the second moment
     */
    public double[] secondMoment() {
        return secondMoment.clone();
    }

    /**
     * Returns \( \sigma^2 = \max(\overline{\theta^2} - \bar\theta^2, 0) \).
     *
     * @return the clamped diagonal variance, a new array
     */
    public double[] variance() {
        double[] v = new double[dimension];
        for (int i = 0; i < dimension; i++) {
            v[i] = variance(secondMoment[i], mean[i]);
        }
        return v;
    }

    /** \( \max(m_2 - m^2, 0) \): rounding can leave the difference below zero. */
    static double variance(double secondMoment, double mean) {
        return Math.max(secondMoment - mean * mean, 0);
    }

    /**
     * Returns \( D^\top \): the held deviation columns, oldest first.
     *
     * @return {@code [K][d]}, a copy
     */
    public double[][] deviations() {
        int k = rank();
        double[][] out = new double[k][];
        long first = count - k;
        for (int j = 0; j < k; j++) {
            out[j] = deviations[(int) ((first + j) % maxRank)].clone();
        }
        return out;
    }

    /**
     * Draws one sample \( \bar\theta + \frac{1}{\sqrt2} \sigma \odot z_1 + \frac{1}{\sqrt{2(K -
     * 1)}} D z_2 \): first the \( d \) values of \( z_1 \), then the \( K \) of \( z_2 \) (oldest
     * column first), from {@code rng}.
     *
     * @param rng the source of the standard normals
     * @return the sample, {@code d} values
     * @throws IllegalStateException if fewer than 2 iterates were accepted
     */
    public double[] sample(RandomGenerator rng) {
        int k = rank();
        if (k < 2) {
            throw new IllegalStateException(
                    "SWAG needs at least 2 iterates to sample (the low-rank term divides by K - 1),"
                            + " got "
                            + count
                            + "; collect more snapshots");
        }
        double[] sd = variance();
        double[] theta = new double[dimension];
        for (int i = 0; i < dimension; i++) {
            theta[i] = mean[i] + Math.sqrt(sd[i] / 2) * rng.nextGaussian();
        }
        double scale = 1 / Math.sqrt(2.0 * (k - 1));
        long first = count - k;
        for (int j = 0; j < k; j++) {
            double z = scale * rng.nextGaussian();
            double[] column = deviations[(int) ((first + j) % maxRank)];
            for (int i = 0; i < dimension; i++) {
                theta[i] += z * column[i];
            }
        }
        return theta;
    }
}
