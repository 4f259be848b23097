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
 * A read-only view of the probabilities of n particles (ensemble members) on N examples over C
 * classes, particle first: entry {@code (i, n, c)} is the probability particle {@code i} gives
 * class {@code c} for example {@code n}. The input of {@link Uncertainty} and {@link
 * UncertaintyMetrics}.
 *
 * <p>{@link #of(float[], int, int, int)} views a row-major {@code float[]} of shape {@code (n, N,
 * C)} without copying it (the view sees later writes to the array); the factory checks only the
 * shape, the metrics check the values as they read them. {@link #particle(int)} is a {@link
 * ProbabilityMatrix} view of one particle.
 *
 * <p>Immutable as far as the viewed array is not changed, and thread-safe.
 */
public final class ParticleProbabilities {

    private final float[] values;
    private final int particles;
    private final int rows;
    private final int classes;

    private ParticleProbabilities(float[] values, int particles, int rows, int classes) {
        this.values = values;
        this.particles = particles;
        this.rows = rows;
        this.classes = classes;
    }

    /**
     * A view of n x N x C probabilities stored row-major in {@code values}: entry {@code (i, n, c)}
     * is {@code values[(i * rows + n) * classes + c]}. Nothing is copied.
     *
     * @param values {@code particles * rows * classes} probabilities
     * @param particles n, at least 1
     * @param rows N, at least 0
     * @param classes C, at least 1
     * @return the view
     * @throws IllegalArgumentException if {@code values} is null, a size is out of range, or {@code
     *     values.length != particles * rows * classes}
     */
    public static ParticleProbabilities of(float[] values, int particles, int rows, int classes) {
        Checks.notNull(values, "values");
        if (particles < 1) {
            throw new IllegalArgumentException(
                    "particles should be a positive integer but the value passed is " + particles);
        }
        if (rows < 0) {
            throw new IllegalArgumentException("rows must be >= 0, rows = " + rows);
        }
        if (classes < 1) {
            throw new IllegalArgumentException(
                    "classes should be a positive integer but the value passed is " + classes);
        }
        if ((long) particles * rows * classes != values.length) {
            throw new IllegalArgumentException(
                    "values.length = "
                            + values.length
                            + " is not particles * rows * classes = "
                            + particles
                            + " * "
                            + rows
                            + " * "
                            + classes);
        }
        return new ParticleProbabilities(values, particles, rows, classes);
    }

    /**
     * A copy of n x N x C probabilities given as nested arrays, particle first (prefer {@link
     * #of(float[], int, int, int)}, which does not copy).
     *
     * @param particles n arrays of N rows of C probabilities each
     * @return a new view over a new array
     * @throws IllegalArgumentException if there is no particle, an array is null, or the shapes
     *     disagree
     */
    public static ParticleProbabilities copyOf(float[][][] particles) {
        Checks.notNull(particles, "particles");
        if (particles.length == 0) {
            throw new IllegalArgumentException("particles is empty: need at least one particle");
        }
        int rows = -1;
        int cols = -1;
        for (int i = 0; i < particles.length; i++) {
            int c = Checks.columns(particles[i], "particles[" + i + "]");
            if (i == 0) {
                rows = particles[0].length;
                cols = c;
            } else if (particles[i].length != rows) {
                throw new IllegalArgumentException(
                        "shapes disagree: particles["
                                + i
                                + "].length = "
                                + particles[i].length
                                + " but particles[0].length = "
                                + rows);
            } else if (rows > 0 && c != cols) {
                throw new IllegalArgumentException(
                        "shapes disagree: particles["
                                + i
                                + "] has "
                                + c
                                + " columns but particles[0] has "
                                + cols);
            }
        }
        if (rows == 0) {
            throw new IllegalArgumentException(
                    "particles[0] is empty: the number of classes is unknown; use"
                            + " ParticleProbabilities.of(new float[0], n, 0, classes)");
        }
        float[] flat =
                new float[Math.multiplyExact(Math.multiplyExact(particles.length, rows), cols)];
        for (int i = 0, o = 0; i < particles.length; i++) {
            for (int n = 0; n < rows; n++, o += cols) {
                System.arraycopy(particles[i][n], 0, flat, o, cols);
            }
        }
        return new ParticleProbabilities(flat, particles.length, rows, cols);
    }

    /**
     * n, the number of particles.
     *
     * @return n
     */
    public int particles() {
        return particles;
    }

    /**
     * N, the number of examples.
     *
     * @return N
     */
    public int rows() {
        return rows;
    }

    /**
     * C, the number of classes.
     *
     * @return C
     */
    public int classes() {
        return classes;
    }

    /**
     * One entry, widened to double.
     *
     * @param i the particle, in [0, n)
     * @param n the example, in [0, N)
     * @param c the class, in [0, C)
     * @return the probability
     * @throws IndexOutOfBoundsException if an index is out of range
     */
    public double get(int i, int n, int c) {
        java.util.Objects.checkIndex(i, particles);
        java.util.Objects.checkIndex(n, rows);
        java.util.Objects.checkIndex(c, classes);
        return values[(i * rows + n) * classes + c];
    }

    /**
     * The N x C probabilities of one particle, a view (nothing is copied).
     *
     * @param i the particle, in [0, n)
     * @return the view
     * @throws IndexOutOfBoundsException if {@code i} is out of range
     */
    public ProbabilityMatrix particle(int i) {
        java.util.Objects.checkIndex(i, particles);
        return ProbabilityMatrix.slice(values, i * rows * classes, rows, classes);
    }

    /** The backing array. */
    float[] values() {
        return values;
    }

    /** A copy of the examples whose {@code keep} flag is set, for every particle. */
    ParticleProbabilities select(boolean[] keep) {
        int k = 0;
        for (boolean b : keep) {
            k += b ? 1 : 0;
        }
        float[] out = new float[particles * k * classes];
        int j = 0;
        for (int i = 0; i < particles; i++) {
            for (int n = 0; n < rows; n++) {
                if (keep[n]) {
                    System.arraycopy(values, (i * rows + n) * classes, out, j, classes);
                    j += classes;
                }
            }
        }
        return new ParticleProbabilities(out, particles, k, classes);
    }

    @Override
    public String toString() {
        return "ParticleProbabilities[" + particles + " x " + rows + " x " + classes + "]";
    }
}
