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
 * How the RBF kernel \( k_{ij} = \exp(-D_{ij} / (2 h^2)) \) chooses its bandwidth \( h \), given
 * the pairwise squared distances \( D_{ij} \) of the \( n \) particles.
 *
 * <ul>
 *   <li>{@link #median()}: the median heuristic of Liu &amp; Wang's reference SVGD, \( h^2 =
 *       \mathrm{med} / (2 \log(n + 1)) \), so \( k_{ij} = \exp(-D_{ij} \log(n+1) / \mathrm{med})
 *       \); a particle's kernel weights then sum to about 2 when its neighbours sit at the median
 *       distance. Recomputed at every step.
 *   <li>{@link #fixed(double)}: a user-chosen \( h \).
 * </ul>
 *
 * <p><b>Which median.</b> \( \mathrm{med} \) is the median of the \( n(n-1)/2 \) distances \(
 * D_{ij} \), \( i &lt; j \) (each unordered pair once, the zero diagonal left out). For an even
 * count it is the mean of the two middle values, as {@code numpy.median} computes it; this is the
 * same number as the median over all \( n(n-1) \) ordered pairs \( i \ne j \) (every value then
 * appears twice), it is symmetric in the order of the particles, and for \( n = 2 \) it is the one
 * distance. {@code torch.median}, by contrast, returns the lower middle value. Liu &amp; Wang's
 * {@code svgd.py} takes the median over the full \( n \times n \) matrix including its \( n \)
 * zeros on the diagonal, which pulls \( h \) down for small \( n \); we follow SPEC §2 and exclude
 * the diagonal.
 *
 * <p><b>Fallback.</b> When \( \mathrm{med} = 0 \) (all particles equal, e.g. every \( B_i = 0 \) at
 * initialisation, or more than half the pairs coincide) or there is no pair at all (\( n = 1 \)),
 * the median rule uses {@link Median#fallbackSquaredBandwidth()} (1 by default) and never divides
 * by zero. For coincident particles \( h \) does not matter: \( k = 1 \) and the gradient of \( D
 * \) vanishes whatever \( h \) is. It matters only when more than half of the pairs coincide while
 * others do not; set the fallback to the scale of your perturbations then.
 */
public sealed interface Bandwidth permits Bandwidth.Median, Bandwidth.Fixed {

    /**
     * Returns the median heuristic with the default fallback \( h^2 = 1 \).
     *
     * @return the median rule
     */
    static Median median() {
        return new Median(1.0);
    }

    /**
     * Returns the median heuristic with the given fallback \( h^2 \).
     *
     * @param fallbackSquaredBandwidth the \( h^2 \) used when the median is 0 or \( n = 1 \);
     *     finite and positive
     * @return the median rule
     */
    static Median median(double fallbackSquaredBandwidth) {
        return new Median(fallbackSquaredBandwidth);
    }

    /**
     * Returns a fixed bandwidth \( h \).
     *
     * @param h the bandwidth, finite and positive (the kernel uses \( h^2 \))
     * @return the fixed rule
     */
    static Fixed fixed(double h) {
        return new Fixed(h);
    }

    /**
     * Returns \( h^2 \) for the given median distance and particle count.
     *
     * @param medianSquaredDistance the median of \( D_{ij} \), \( i &lt; j \), or {@code NaN} when
     *     there is no pair
     * @param particles the number of particles \( n \)
     * @return \( h^2 \), finite and positive
     */
    double squaredBandwidth(double medianSquaredDistance, int particles);

    /**
     * Tells whether {@link #squaredBandwidth} falls back to a fixed value for these inputs.
     *
     * @param medianSquaredDistance the median of \( D_{ij} \), or {@code NaN} when there is no pair
     * @param particles the number of particles \( n \)
     * @return true if the median rule cannot be used and the fallback is
     */
    boolean fallsBack(double medianSquaredDistance, int particles);

    /**
     * The median heuristic \( h^2 = \mathrm{med} / (2 \log(n + 1)) \), see {@link Bandwidth}.
     *
     * @param fallbackSquaredBandwidth the \( h^2 \) used when the median is 0 or \( n = 1 \)
     */
    record Median(double fallbackSquaredBandwidth) implements Bandwidth {

        /**
         * Validates the fallback.
         *
         * @param fallbackSquaredBandwidth the \( h^2 \) used when the median is 0 or \( n = 1 \)
         * @throws IllegalArgumentException if the fallback is not finite and positive
         */
        public Median {
            if (!(fallbackSquaredBandwidth > 0 && Double.isFinite(fallbackSquaredBandwidth))) {
                throw new IllegalArgumentException(
                        "the fallback h^2 must be finite and positive, fallbackSquaredBandwidth = "
                                + fallbackSquaredBandwidth);
            }
        }

        /** {@inheritDoc} */
        @Override
        public double squaredBandwidth(double medianSquaredDistance, int particles) {
            if (fallsBack(medianSquaredDistance, particles)) {
                return fallbackSquaredBandwidth;
            }
            return medianSquaredDistance / (2.0 * Math.log(particles + 1.0));
        }

        /** {@inheritDoc} */
        @Override
        public boolean fallsBack(double medianSquaredDistance, int particles) {
            return particles < 2 || !(medianSquaredDistance > 0);
        }
    }

    /**
     * A fixed bandwidth \( h \); the kernel is \( \exp(-D_{ij} / (2 h^2)) \).
     *
     * @param h the bandwidth, finite and positive
     */
    record Fixed(double h) implements Bandwidth {

        /**
         * Validates \( h \).
         *
         * @param h the bandwidth
         * @throws IllegalArgumentException if \( h \) is not positive or \( h^2 \) is not finite
         *     and positive
         */
        public Fixed {
            if (!(h > 0 && h * h > 0 && Double.isFinite(h * h))) {
                throw new IllegalArgumentException(
                        "the bandwidth h must be finite and positive, h = " + h);
            }
        }

        /** {@inheritDoc} */
        @Override
        public double squaredBandwidth(double medianSquaredDistance, int particles) {
            return h * h;
        }

        /** {@inheritDoc} */
        @Override
        public boolean fallsBack(double medianSquaredDistance, int particles) {
            return false;
        }
    }
}
