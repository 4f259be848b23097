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
package dev.bella.svgd;

/**
 * Scalar diagnostics of one kernel evaluation, cheap to log or keep in a training history (no
 * arrays).
 *
 * <p>Averages are over the \( n(n-1)/2 \) pairs \( i &lt; j \); with \( n = 1 \) there is no pair
 * and they are reported as {@code meanSquaredDistance = 0}, {@code meanKernel = 1} (a particle
 * coincides with itself) and {@code medianSquaredDistance = NaN}.
 *
 * @param particles the number of particles \( n \)
 * @param squaredBandwidth the \( h^2 \) used, finite and positive
 * @param medianSquaredDistance the median of \( D_{ij} \), \( i &lt; j \) (see {@link Bandwidth}
 *     for which median), {@code NaN} when \( n = 1 \)
 * @param meanSquaredDistance the mean of \( D_{ij} \), \( i &lt; j \)
 * @param meanKernel the mean of \( k_{ij} \), \( i &lt; j \): near 1 means the particles look alike
 *     to the kernel, near 0 that they hardly interact
 * @param fallback true if the median rule fell back to its fixed \( h^2 \) (median 0 or \( n = 1
 *     \))
 */
public record KernelStats(
        int particles,
        double squaredBandwidth,
        double medianSquaredDistance,
        double meanSquaredDistance,
        double meanKernel,
        boolean fallback) {

    /**
     * Validates the particle count and the bandwidth.
     *
     * @param particles the number of particles
     * @param squaredBandwidth the \( h^2 \) used
     * @param medianSquaredDistance the median of \( D_{ij} \), \( i &lt; j \)
     * @param meanSquaredDistance the mean of \( D_{ij} \), \( i &lt; j \)
     * @param meanKernel the mean of \( k_{ij} \), \( i &lt; j \)
     * @param fallback whether the median rule fell back
     * @throws IllegalArgumentException if {@code particles < 1} or \( h^2 \) is not finite and
     *     positive
     */
    public KernelStats {
        if (particles < 1) {
            throw new IllegalArgumentException("particles must be >= 1, particles = " + particles);
        }
        if (!(squaredBandwidth > 0 && Double.isFinite(squaredBandwidth))) {
            throw new IllegalArgumentException(
                    "h^2 must be finite and positive, squaredBandwidth = " + squaredBandwidth);
        }
    }
}
