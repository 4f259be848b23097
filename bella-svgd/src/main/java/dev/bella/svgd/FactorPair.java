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
