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
import java.util.Objects;

/**
 * The low-rank factors of one adapted layer for all particles at once.
 *
 * <p>Particle \( i \) perturbs the layer's frozen weight by \( s A_i B_i \), with \( A_i \in
 * \mathbb{R}^{d_{in} \times r} \), \( B_i \in \mathbb{R}^{r \times d_{out}} \) and the LoRA scale
 * \( s = \alpha / r \). The factors of the \( n \) particles are stacked along the first axis:
 * {@code a} has shape {@code (n, d_in, r)} and {@code b} has shape {@code (n, r, d_out)}.
 *
 * <p>The record checks shapes, data types and the scale when it is built; it never reads the values
 * (the NaN checks happen where the layer index is known, see {@link LowRankKernel}). It does not
 * own the arrays: closing them stays the caller's job.
 *
 * @param a the stacked \( A_i \), shape {@code (n, d_in, r)}, {@code float32} or {@code float64}
 * @param b the stacked \( B_i \), shape {@code (n, r, d_out)}, same data type as {@code a}
 * @param scale the LoRA scale \( s = \alpha / r \), finite and positive
 */
public record LowRankFactors(NDArray a, NDArray b, double scale) {

    /**
     * Validates the shapes, the data types and the scale.
     *
     * @param a the stacked \( A_i \)
     * @param b the stacked \( B_i \)
     * @param scale the LoRA scale
     * @throws IllegalArgumentException if an array is not 3-D, the particle counts or ranks of
     *     {@code a} and {@code b} differ, a dimension is zero, the data types differ or are not
     *     {@code float32}/{@code float64}, or the scale is not finite and positive
     */
    public LowRankFactors {
        Objects.requireNonNull(a, "a");
        Objects.requireNonNull(b, "b");
        Shape sa = a.getShape();
        Shape sb = b.getShape();
        if (sa.dimension() != 3 || sb.dimension() != 3) {
            throw new IllegalArgumentException(
                    "a must be (n, d_in, r) and b (n, r, d_out), a.shape = "
                            + sa
                            + ", b.shape = "
                            + sb);
        }
        if (sa.get(0) != sb.get(0)) {
            throw new IllegalArgumentException(
                    "a and b must hold the same number of particles, a.shape = "
                            + sa
                            + ", b.shape = "
                            + sb);
        }
        if (sa.get(2) != sb.get(1)) {
            throw new IllegalArgumentException(
                    "a and b must have the same rank (a.shape[2] == b.shape[1]), a.shape = "
                            + sa
                            + ", b.shape = "
                            + sb);
        }
        if (sa.size() == 0 || sb.size() == 0) {
            throw new IllegalArgumentException(
                    "factors must not be empty, a.shape = " + sa + ", b.shape = " + sb);
        }
        requireFloatingPoint(a.getDataType(), "a");
        if (a.getDataType() != b.getDataType()) {
            throw new IllegalArgumentException(
                    "a and b must have the same data type, a is "
                            + a.getDataType()
                            + ", b is "
                            + b.getDataType());
        }
        if (!(scale > 0 && Double.isFinite(scale))) {
            throw new IllegalArgumentException(
                    "scale must be finite and positive (alpha / r), scale = " + scale);
        }
    }

    /**
     * Returns the number of particles \( n \).
     *
     * @return {@code a.shape[0]}
     */
    public int particles() {
        return Math.toIntExact(a.getShape().get(0));
    }

    /**
     * Returns the rank \( r \).
     *
     * @return {@code a.shape[2]}
     */
    public int rank() {
        return Math.toIntExact(a.getShape().get(2));
    }

    /**
     * Returns the input dimension \( d_{in} \).
     *
     * @return {@code a.shape[1]}
     */
    public long inputDim() {
        return a.getShape().get(1);
    }

    /**
     * Returns the output dimension \( d_{out} \).
     *
     * @return {@code b.shape[2]}
     */
    public long outputDim() {
        return b.getShape().get(2);
    }

    static void requireFloatingPoint(DataType type, String name) {
        if (type != DataType.FLOAT32 && type != DataType.FLOAT64) {
            throw new IllegalArgumentException(
                    name + " must be float32 or float64, " + name + " is " + type);
        }
    }
}
