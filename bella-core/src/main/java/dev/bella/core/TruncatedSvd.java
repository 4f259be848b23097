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
package dev.bella.core;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The top-\( r \) singular triplets of a dense matrix \( M \in \mathbb{R}^{m \times n} \), \( M
 * \approx U_r \operatorname{diag}(s_r) V_r^\top \), computed in Java (DJL 0.36 has no SVD):
 * randomised subspace iteration (Halko, Martinsson and Tropp, 2011, Algorithm 4.4) with \( k =
 * \min(r + 10, m, n) \) columns and {@value #ITERATIONS} power iterations, each re-orthonormalised
 * by modified Gram–Schmidt (twice), then the \( k \times k \) eigenproblem of \( B B^\top \), \( B
 * = Q^\top M \), by cyclic Jacobi rotations. All in double precision; the start block is drawn from
 * a fixed seed, so the result depends only on \( M \) and \( r \).
 *
 * <p>Accuracy: the top \( r \) triplets converge like \( (s_{k+1} / s_j)^{2q+1} \); for singular
 * values separated by a few percent they match a dense SVD to rounding. Where \( M \) has fewer
 * than \( r \) non-zero singular values, the extra \( s_j \) are 0 and their singular vectors are
 * some orthonormal completion. Signs: each column of \( U_r \) has its largest-magnitude entry
 * positive (the sign of \( V_r \) follows).
 *
 * @param rows \( m \)
 * @param cols \( n \)
 * @param rank \( r \)
 * @param u \( U_r \), row-major {@code (m, r)}, orthonormal columns
 * @param s \( s_1 \ge \dots \ge s_r \ge 0 \)
 * @param v \( V_r \), row-major {@code (n, r)}, orthonormal columns
 */
public record TruncatedSvd(int rows, int cols, int rank, double[] u, double[] s, double[] v) {

    /** Power iterations of the subspace iteration. */
    public static final int ITERATIONS = 24;

    private static final int OVERSAMPLING = 10;

    /** Checks the lengths. */
    public TruncatedSvd {
        if (u.length != (long) rows * rank || s.length != rank || v.length != (long) cols * rank) {
            throw new IllegalArgumentException(
                    "factor lengths do not fit rows = "
                            + rows
                            + ", cols = "
                            + cols
                            + ", rank = "
                            + rank
                            + ": u.length = "
                            + u.length
                            + ", s.length = "
                            + s.length
                            + ", v.length = "
                            + v.length);
        }
    }

    /**
     * Computes the top-\( r \) triplets of a row-major matrix.
     *
     * @param m the matrix, row-major {@code (rows, cols)}, finite
     * @param rows \( m \ge 1 \)
     * @param cols \( n \ge 1 \)
     * @param rank \( r \), in {@code [1, min(rows, cols)]}
     * @return the triplets
     * @throws IllegalArgumentException if the sizes do not fit, the rank is out of range or a value
     *     is not finite
     */
    public static TruncatedSvd of(float[] m, int rows, int cols, int rank) {
        if (rows < 1 || cols < 1 || m.length != (long) rows * cols) {
            throw new IllegalArgumentException(
                    "m must hold rows * cols values, rows = "
                            + rows
                            + ", cols = "
                            + cols
                            + ", m.length = "
                            + m.length);
        }
        if (rank < 1 || rank > Math.min(rows, cols)) {
            throw new IllegalArgumentException(
                    "rank must be in [1, min(rows, cols) = "
                            + Math.min(rows, cols)
                            + "], got rank = "
                            + rank);
        }
        for (int i = 0; i < m.length; i++) {
            if (!Float.isFinite(m[i])) {
                throw new IllegalArgumentException(
                        "m[" + i + "] = " + m[i] + "; the SVD needs finite values");
            }
        }
        int k = Math.min(rank + OVERSAMPLING, Math.min(rows, cols));
        SplittableRandom rng = new SplittableRandom(0x5eed5bdL);
        boolean allZero = true;
        for (float x : m) {
            allZero &= x == 0;
        }
        if (allZero) {
            // All singular values are 0: any orthonormal columns are singular vectors.
            double[] u = new double[rows * rank];
            double[] v = new double[cols * rank];
            orthonormaliseColumns(u, rows, rank, rng);
            orthonormaliseColumns(v, cols, rank, rng);
            return new TruncatedSvd(rows, cols, rank, u, new double[rank], v);
        }
        double[] omega = new double[cols * k];
        for (int i = 0; i < omega.length; i++) {
            omega[i] = rng.nextGaussian();
        }
        double[] q = times(m, rows, cols, omega, k); // (rows, k)
        orthonormalise(q, rows, k, rng);
        for (int it = 0; it < ITERATIONS; it++) {
            double[] z = transposeTimes(m, rows, cols, q, k); // (cols, k)
            orthonormalise(z, cols, k, rng);
            q = times(m, rows, cols, z, k);
            orthonormalise(q, rows, k, rng);
        }
        double[] bt = transposeTimes(m, rows, cols, q, k); // B^T = M^T Q, (cols, k)
        double[] c = new double[k * k]; // B B^T = (B^T)^T B^T
        for (int r = 0; r < cols; r++) {
            int o = r * k;
            for (int i = 0; i < k; i++) {
                double x = bt[o + i];
                for (int j = i; j < k; j++) {
                    c[i * k + j] += x * bt[o + j];
                }
            }
        }
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < i; j++) {
                c[i * k + j] = c[j * k + i];
            }
        }
        double[] e = new double[k * k];
        double[] lambda = jacobiEigen(c, e, k);
        Integer[] order = new Integer[k];
        for (int i = 0; i < k; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (x, y) -> Double.compare(lambda[y], lambda[x]));
        double[] u = new double[rows * rank];
        double[] s = new double[rank];
        double[] v = new double[cols * rank];
        double top = Math.sqrt(Math.max(lambda[order[0]], 0));
        for (int j = 0; j < rank; j++) {
            int col = order[j];
            double sigma = Math.sqrt(Math.max(lambda[col], 0));
            // U = Q E
            for (int r = 0; r < rows; r++) {
                double sum = 0;
                for (int i = 0; i < k; i++) {
                    sum += q[r * k + i] * e[i * k + col];
                }
                u[r * rank + j] = sum;
            }
            // V = B^T E / sigma (a zero singular value gets its vector below)
            boolean zero = !(sigma > 1e-12 * Math.max(top, Double.MIN_NORMAL));
            s[j] = zero ? 0 : sigma;
            for (int r = 0; r < cols; r++) {
                double sum = 0;
                if (!zero) {
                    for (int i = 0; i < k; i++) {
                        sum += bt[r * k + i] * e[i * k + col];
                    }
                    sum /= sigma;
                }
                v[r * rank + j] = sum;
            }
            if (zero) {
                for (int r = 0; r < cols; r++) {
                    v[r * rank + j] = rng.nextGaussian();
                }
            }
        }
        // Zero singular values: complete V to orthonormal columns (U is orthonormal already).
        orthonormaliseColumns(v, cols, rank, rng);
        for (int j = 0; j < rank; j++) {
            int arg = 0;
            for (int r = 1; r < rows; r++) {
                if (Math.abs(u[r * rank + j]) > Math.abs(u[arg * rank + j])) {
                    arg = r;
                }
            }
            if (u[arg * rank + j] < 0) {
                for (int r = 0; r < rows; r++) {
                    u[r * rank + j] = -u[r * rank + j];
                }
                for (int r = 0; r < cols; r++) {
                    v[r * rank + j] = -v[r * rank + j];
                }
            }
        }
        return new TruncatedSvd(rows, cols, rank, u, s, v);
    }

    /** {@code M x}: {@code (rows, cols) x (cols, k)}. */
    private static double[] times(float[] m, int rows, int cols, double[] x, int k) {
        double[] out = new double[rows * k];
        for (int r = 0; r < rows; r++) {
            int o = r * k;
            int mo = r * cols;
            for (int c = 0; c < cols; c++) {
                double a = m[mo + c];
                if (a == 0) {
                    continue;
                }
                int xo = c * k;
                for (int j = 0; j < k; j++) {
                    out[o + j] += a * x[xo + j];
                }
            }
        }
        return out;
    }

    /** {@code M^T x}: {@code (cols, rows) x (rows, k)}. */
    private static double[] transposeTimes(float[] m, int rows, int cols, double[] x, int k) {
        double[] out = new double[cols * k];
        for (int r = 0; r < rows; r++) {
            int mo = r * cols;
            int xo = r * k;
            for (int c = 0; c < cols; c++) {
                double a = m[mo + c];
                if (a == 0) {
                    continue;
                }
                int o = c * k;
                for (int j = 0; j < k; j++) {
                    out[o + j] += a * x[xo + j];
                }
            }
        }
        return out;
    }

    /** Orthonormalises the k columns of a row-major (n, k) block in place. */
    private static void orthonormalise(double[] x, int n, int k, SplittableRandom rng) {
        orthonormaliseColumns(x, n, k, rng);
    }

    /**
     * Modified Gram–Schmidt, twice, on the columns of a row-major {@code (n, k)} block; a column
     * that vanishes (a rank-deficient block) is replaced by a random one and orthonormalised too.
     */
    private static void orthonormaliseColumns(double[] x, int n, int k, SplittableRandom rng) {
        for (int j = 0; j < k; j++) {
            double before = norm(x, n, k, j);
            for (int pass = 0; pass < 2; pass++) {
                for (int i = 0; i < j; i++) {
                    double dot = 0;
                    for (int r = 0; r < n; r++) {
                        dot += x[r * k + i] * x[r * k + j];
                    }
                    for (int r = 0; r < n; r++) {
                        x[r * k + j] -= dot * x[r * k + i];
                    }
                }
            }
            double after = norm(x, n, k, j);
            if (!(after > 1e-10 * before) || after == 0) {
                for (int r = 0; r < n; r++) {
                    x[r * k + j] = rng.nextGaussian();
                }
                j--; // redo this column
                continue;
            }
            for (int r = 0; r < n; r++) {
                x[r * k + j] /= after;
            }
        }
    }

    private static double norm(double[] x, int n, int k, int j) {
        double sum = 0;
        for (int r = 0; r < n; r++) {
            sum += x[r * k + j] * x[r * k + j];
        }
        return Math.sqrt(sum);
    }

    /**
     * Cyclic Jacobi eigenvalue algorithm on a symmetric row-major {@code (k, k)} matrix {@code a}
     * (destroyed); the eigenvectors go to the columns of {@code e}.
     */
    private static double[] jacobiEigen(double[] a, double[] e, int k) {
        for (int i = 0; i < k; i++) {
            e[i * k + i] = 1;
        }
        for (int sweep = 0; sweep < 100; sweep++) {
            double off = 0;
            double diag = 0;
            for (int i = 0; i < k; i++) {
                diag += a[i * k + i] * a[i * k + i];
                for (int j = i + 1; j < k; j++) {
                    off += a[i * k + j] * a[i * k + j];
                }
            }
            if (off <= 1e-30 * Math.max(diag, Double.MIN_NORMAL)) {
                break;
            }
            for (int p = 0; p < k; p++) {
                for (int q = p + 1; q < k; q++) {
                    double apq = a[p * k + q];
                    if (apq == 0) {
                        continue;
                    }
                    double theta = (a[q * k + q] - a[p * k + p]) / (2 * apq);
                    double t =
                            Math.signum(theta) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
                    if (theta == 0) {
                        t = 1;
                    }
                    double c = 1 / Math.sqrt(t * t + 1);
                    double s = t * c;
                    for (int r = 0; r < k; r++) {
                        double arp = a[r * k + p];
                        double arq = a[r * k + q];
                        a[r * k + p] = c * arp - s * arq;
                        a[r * k + q] = s * arp + c * arq;
                    }
                    for (int r = 0; r < k; r++) {
                        double apr = a[p * k + r];
                        double aqr = a[q * k + r];
                        a[p * k + r] = c * apr - s * aqr;
                        a[q * k + r] = s * apr + c * aqr;
                    }
                    for (int r = 0; r < k; r++) {
                        double erp = e[r * k + p];
                        double erq = e[r * k + q];
                        e[r * k + p] = c * erp - s * erq;
                        e[r * k + q] = s * erp + c * erq;
                    }
                }
            }
        }
        double[] lambda = new double[k];
        for (int i = 0; i < k; i++) {
            lambda[i] = a[i * k + i];
        }
        return lambda;
    }
}
