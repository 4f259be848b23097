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

import dev.bella.metrics.ParticleProbabilities;
import dev.bella.metrics.ProbabilityMatrix;
import dev.bella.metrics.Scores;
import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The {@link ArrayAdapter} for ND4J's {@link INDArray}. Needs {@code org.nd4j:nd4j-api} and a
 * backend on the class path (an optional dependency of bella-metrics). Labels, flags and scores are
 * vectors: rank 1, or N x 1 / 1 x N.
 *
 * <p>Stateless; use {@link #INSTANCE}. Every method copies once to the Java heap and leaves the
 * INDArray untouched. Thread-safe as far as reading the INDArray is.
 */
public final class Nd4jArrays implements ArrayAdapter<INDArray> {

    /** The adapter. */
    public static final Nd4jArrays INSTANCE = new Nd4jArrays();

    private Nd4jArrays() {}

    @Override
    public ProbabilityMatrix probabilities(INDArray probs) {
        requireRank(probs, 2, "probs");
        return ProbabilityMatrix.of(flat(probs), (int) probs.size(0), (int) probs.size(1));
    }

    @Override
    public ParticleProbabilities particleProbabilities(INDArray particles) {
        requireRank(particles, 3, "particles");
        return ParticleProbabilities.of(
                flat(particles),
                (int) particles.size(0),
                (int) particles.size(1),
                (int) particles.size(2));
    }

    @Override
    public Scores scores(INDArray scores) {
        return Scores.of(vector(scores, "scores"));
    }

    @Override
    public int rank(INDArray array) {
        if (array == null) {
            throw new IllegalArgumentException("array must not be null");
        }
        return array.rank();
    }

    /** The values in C order, as float32. */
    private static float[] flat(INDArray a) {
        return Nd4j.toFlattened('c', a).toFloatVector();
    }

    /**
     * N integer labels from a vector (rank 1, or N x 1 / 1 x N).
     *
     * @param labels a vector of integer values
     * @return a new array
     * @throws IllegalArgumentException if the array is not a vector or a value is not an integer
     */
    @Override
    public int[] labels(INDArray labels) {
        double[] v = vector(labels, "labels");
        int[] out = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            if (v[i] != Math.rint(v[i]) || Math.abs(v[i]) > Integer.MAX_VALUE) {
                throw new IllegalArgumentException(
                        "labels[" + i + "] = " + v[i] + " is not an integer class index");
            }
            out[i] = (int) v[i];
        }
        return out;
    }

    /**
     * N flags from a vector of 0/1 values (1 = {@code true}, e.g. OOD).
     *
     * @param flags a vector of 0/1 values
     * @return a new array
     * @throws IllegalArgumentException if the array is not a vector or a value is not 0 or 1
     */
    @Override
    public boolean[] flags(INDArray flags) {
        double[] v = vector(flags, "flags");
        boolean[] out = new boolean[v.length];
        for (int i = 0; i < v.length; i++) {
            if (v[i] != 0 && v[i] != 1) {
                throw new IllegalArgumentException("flags[" + i + "] = " + v[i] + " is not 0 or 1");
            }
            out[i] = v[i] == 1;
        }
        return out;
    }

    private static double[] vector(INDArray a, String name) {
        if (a == null) {
            throw new IllegalArgumentException(name + " must not be null");
        }
        if (!(a.rank() == 1 || (a.rank() == 2 && (a.size(0) == 1 || a.size(1) == 1)))) {
            throw new IllegalArgumentException(
                    name + " must be a vector, got shape " + Arrays.toString(a.shape()));
        }
        return a.toDoubleVector();
    }

    private static void requireRank(INDArray a, int rank, String name) {
        if (a == null) {
            throw new IllegalArgumentException(name + " must not be null");
        }
        if (a.rank() != rank) {
            throw new IllegalArgumentException(
                    name + " must have rank " + rank + ", got shape " + Arrays.toString(a.shape()));
        }
    }
}
