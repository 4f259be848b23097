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
import java.util.Objects;

/**
 * Two arrays shaped like one layer's {@link LowRankFactors}: {@code a} of shape {@code (n, d_in,
 * r)} and {@code b} of shape {@code (n, r, d_out)}.
 *
 * <p>Used both for the per-particle loss gradients \( \partial L_i / \partial A_i, \partial L_i /
 * \partial B_i \) handed to {@link LowRankSvgd#update} and for the update directions \( \phi_i \)
 * it returns. Shapes are checked against the factors where the pair is used.
 *
 * @param a the array shaped like the \( A \) factors
 * @param b the array shaped like the \( B \) factors
 */
public record FactorPair(NDArray a, NDArray b) {

    /**
     * Checks that neither array is null.
     *
     * @param a the array shaped like the \( A \) factors
     * @param b the array shaped like the \( B \) factors
     * @throws NullPointerException if {@code a} or {@code b} is null
     */
    public FactorPair {
        Objects.requireNonNull(a, "a");
        Objects.requireNonNull(b, "b");
    }
}
