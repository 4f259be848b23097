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

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.Objects;

/**
 * The RBF kernel over \( n \) particles: the pairwise squared distances \( D \), the kernel matrix
 * \( K_{ij} = \exp(-D_{ij} / (2 h^2)) \) and the scalar {@link KernelStats}.
 *
 * <p>Both arrays are \( n \times n \), symmetric, with the input's data type; \( D \) has a zero
 * diagonal and \( K \) a unit diagonal. The record does not own them: they belong to the manager of
 * the distances they were computed from.
 *
 * @param distances the squared distances \( D_{ij} \ge 0 \), shape {@code (n, n)}
 * @param kernel the kernel values \( k_{ij} \in (0, 1] \), shape {@code (n, n)}
 * @param stats the bandwidth and summary statistics
 */
public record KernelMatrix(NDArray distances, NDArray kernel, KernelStats stats) {

    /**
     * Checks that nothing is null.
     *
     * @param distances the squared distances
     * @param kernel the kernel values
     * @param stats the statistics
     * @throws NullPointerException if an argument is null
     */
    public KernelMatrix {
        Objects.requireNonNull(distances, "distances");
        Objects.requireNonNull(kernel, "kernel");
        Objects.requireNonNull(stats, "stats");
    }

    /**
     * Returns the squared bandwidth \( h^2 \) the kernel was evaluated with.
     *
     * @return {@code stats().squaredBandwidth()}
     */
    public double squaredBandwidth() {
        return stats.squaredBandwidth();
    }

    /**
     * Builds the kernel from pairwise squared distances: chooses \( h^2 \) with the bandwidth rule,
     * then \( K = \exp(-D / (2 h^2)) \).
     *
     * <p>\( D \) is read back to the JVM once (it is \( n \times n \)) for the median and the
     * statistics (the mean kernel value is computed there, in double precision). The kernel array
     * is created in the manager of {@code distances}.
     *
     * @param distances the squared distances, shape {@code (n, n)}, {@code float32} or {@code
     *     float64}, non-negative (callers clamp round-off)
     * @param bandwidth the bandwidth rule
     * @return the kernel matrix
     * @throws IllegalArgumentException if {@code distances} is not square or a distance between two
     *     different particles is not finite
     */
    public static KernelMatrix fromSquaredDistances(NDArray distances, Bandwidth bandwidth) {
        Objects.requireNonNull(bandwidth, "bandwidth");
        Shape shape = distances.getShape();
        if (shape.dimension() != 2 || shape.get(0) != shape.get(1) || shape.get(0) < 1) {
            throw new IllegalArgumentException(
                    "distances must be a non-empty square (n, n) matrix, shape = " + shape);
        }
        LowRankFactors.requireFloatingPoint(distances.getDataType(), "distances");
        int n = Math.toIntExact(shape.get(0));
        double[] d = toDoubles(distances);
        int pairs = n * (n - 1) / 2;
        double[] upper = new double[pairs];
        double sum = 0;
        int p = 0;
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                double v = d[i * n + j];
                if (!Double.isFinite(v)) {
                    throw new IllegalArgumentException(
                            "the squared distance between particles "
                                    + i
                                    + " and "
                                    + j
                                    + " is not finite ("
                                    + v
                                    + "); the perturbations overflow "
                                    + distances.getDataType());
                }
                upper[p++] = v;
                sum += v;
            }
        }
        double median = median(upper);
        double h2 = bandwidth.squaredBandwidth(median, n);
        boolean fallback = bandwidth.fallsBack(median, n);
        NDArray kernel;
        try (NDArray scaled = distances.mul(-0.5 / h2)) {
            kernel = scaled.exp();
        }
        double meanDistance = pairs == 0 ? 0.0 : sum / pairs;
        double meanKernel = 1.0;
        if (pairs > 0) {
            double ks = 0;
            for (double v : upper) {
                ks += Math.exp(-0.5 * v / h2);
            }
            meanKernel = ks / pairs;
        }
        return new KernelMatrix(
                distances,
                kernel,
                new KernelStats(n, h2, median, meanDistance, meanKernel, fallback));
    }

    /**
     * Returns the median of the values as {@code numpy.median} defines it: the middle value of the
     * sorted values for an odd count, the mean of the two middle values for an even count.
     *
     * @param values the values; not modified
     * @return the median, or {@code NaN} for an empty array
     */
    static double median(double[] values) {
        if (values.length == 0) {
            return Double.NaN;
        }
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int m = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[m] : 0.5 * (sorted[m - 1] + sorted[m]);
    }

    private static double[] toDoubles(NDArray array) {
        if (array.getDataType() == DataType.FLOAT64) {
            return array.toDoubleArray();
        }
        try (NDArray wide = array.toType(DataType.FLOAT64, true)) {
            return wide.toDoubleArray();
        }
    }
}
