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
package dev.bella.metrics.npy;

import java.util.Arrays;

/**
 * An array read from a {@code .npy} file: its element type, its shape (C order) and its elements,
 * kept flat. Floats are kept as {@code float[]} or {@code double[]}, integers and booleans as
 * {@code long[]}. Conversions check what they convert and name the source in their messages.
 *
 * <p>Immutable (every accessor copies) and thread-safe.
 */
public final class NpyArray {

    private final String source;
    private final NpyType type;
    private final int[] shape;
    private final float[] floats;
    private final double[] doubles;
    private final long[] longs;

    NpyArray(String source, NpyType type, int[] shape, float[] f, double[] d, long[] l) {
        this.source = source;
        this.type = type;
        this.shape = shape.clone();
        this.floats = f;
        this.doubles = d;
        this.longs = l;
    }

    /**
     * Where the array was read from, as used in messages.
     *
     * @return the file name
     */
    public String source() {
        return source;
    }

    /**
     * The element type in the file.
     *
     * @return the type
     */
    public NpyType type() {
        return type;
    }

    /**
     * The shape; {@code []} for a scalar.
     *
     * @return a copy of the shape
     */
    public int[] shape() {
        return shape.clone();
    }

    /**
     * The number of dimensions.
     *
     * @return the rank
     */
    public int rank() {
        return shape.length;
    }

    /**
     * The number of elements.
     *
     * @return the product of the shape
     */
    public int size() {
        int n = 1;
        for (int s : shape) {
            n *= s;
        }
        return n;
    }

    /**
     * The elements as float32, flat in C order; only for a float32 file (a float64 file would lose
     * precision: use {@link #toDoubleArray()}).
     *
     * @return a copy of the elements
     * @throws IllegalArgumentException if the file is not float32
     */
    public float[] toFloatArray() {
        if (floats == null) {
            throw new IllegalArgumentException(
                    source + ": expected float32 elements, the file holds " + describe());
        }
        return floats.clone();
    }

    /**
     * The elements as float64, flat in C order (exact for float32, float64 and integers up to
     * 2^53).
     *
     * @return the elements, a new array
     */
    public double[] toDoubleArray() {
        if (doubles != null) {
            return doubles.clone();
        }
        double[] out = new double[size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = floats != null ? floats[i] : longs[i];
        }
        return out;
    }

    /**
     * The elements as int32, flat; only for an integer or boolean file with every value in the int
     * range.
     *
     * @return the elements, a new array
     * @throws IllegalArgumentException if the file holds floats or a value does not fit an int
     */
    public int[] toIntArray() {
        if (longs == null) {
            throw new IllegalArgumentException(
                    source + ": expected integer elements, the file holds " + describe());
        }
        int[] out = new int[longs.length];
        for (int i = 0; i < out.length; i++) {
            long v = longs[i];
            if (v != (int) v) {
                throw new IllegalArgumentException(
                        source + ": element " + i + " = " + v + " does not fit an int");
            }
            out[i] = (int) v;
        }
        return out;
    }

    /**
     * The elements as flags: 0 is {@code false}, 1 is {@code true}; any type (bool, integers, or
     * floats equal to 0.0 or 1.0).
     *
     * @return the flags, a new array
     * @throws IllegalArgumentException if an element is neither 0 nor 1
     */
    public boolean[] toBooleanArray() {
        boolean[] out = new boolean[size()];
        for (int i = 0; i < out.length; i++) {
            double v = floats != null ? floats[i] : doubles != null ? doubles[i] : longs[i];
            if (v != 0 && v != 1) {
                throw new IllegalArgumentException(
                        source + ": element " + i + " = " + valueAt(i) + " is not a 0/1 flag");
            }
            out[i] = v == 1;
        }
        return out;
    }

    /**
     * The array as an N x C float32 matrix.
     *
     * @return a new matrix
     * @throws IllegalArgumentException if the array is not 2-D float32
     */
    public float[][] toFloatMatrix() {
        requireRank(2);
        float[] f = toFloatArray();
        float[][] out = new float[shape[0]][];
        for (int n = 0; n < shape[0]; n++) {
            out[n] = Arrays.copyOfRange(f, n * shape[1], (n + 1) * shape[1]);
        }
        return out;
    }

    /**
     * The array as an N x C float64 matrix.
     *
     * @return a new matrix
     * @throws IllegalArgumentException if the array is not 2-D
     */
    public double[][] toDoubleMatrix() {
        requireRank(2);
        double[] d = toDoubleArray();
        double[][] out = new double[shape[0]][];
        for (int n = 0; n < shape[0]; n++) {
            out[n] = Arrays.copyOfRange(d, n * shape[1], (n + 1) * shape[1]);
        }
        return out;
    }

    /**
     * The array as an n x N x C float32 tensor.
     *
     * @return a new tensor
     * @throws IllegalArgumentException if the array is not 3-D float32
     */
    public float[][][] toFloatTensor() {
        requireRank(3);
        float[] f = toFloatArray();
        float[][][] out = new float[shape[0]][shape[1]][];
        int k = 0;
        for (int i = 0; i < shape[0]; i++) {
            for (int n = 0; n < shape[1]; n++, k += shape[2]) {
                out[i][n] = Arrays.copyOfRange(f, k, k + shape[2]);
            }
        }
        return out;
    }

    /**
     * The array as an n x N x C float64 tensor.
     *
     * @return a new tensor
     * @throws IllegalArgumentException if the array is not 3-D
     */
    public double[][][] toDoubleTensor() {
        requireRank(3);
        double[] d = toDoubleArray();
        double[][][] out = new double[shape[0]][shape[1]][];
        int k = 0;
        for (int i = 0; i < shape[0]; i++) {
            for (int n = 0; n < shape[1]; n++, k += shape[2]) {
                out[i][n] = Arrays.copyOfRange(d, k, k + shape[2]);
            }
        }
        return out;
    }

    private void requireRank(int rank) {
        if (shape.length != rank) {
            throw new IllegalArgumentException(
                    source
                            + ": expected a "
                            + rank
                            + "-D array, got shape "
                            + Arrays.toString(shape));
        }
    }

    private String valueAt(int i) {
        return floats != null
                ? Float.toString(floats[i])
                : doubles != null ? Double.toString(doubles[i]) : Long.toString(longs[i]);
    }

    private String describe() {
        return type.name().toLowerCase(java.util.Locale.ROOT) + " " + Arrays.toString(shape);
    }

    @Override
    public String toString() {
        return "NpyArray[" + source + ", " + describe() + "]";
    }
}
