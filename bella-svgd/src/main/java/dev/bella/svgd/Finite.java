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
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.List;
import java.util.function.IntFunction;
import java.util.function.Supplier;

/** NaN/infinity checks that name the offending particle (the index along the first axis). */
final class Finite {

    private Finite() {}

    /**
     * A NaN or infinite value where the SVGD update needs finite ones: an {@link
     * IllegalArgumentException}, as the update documents, that {@link SvgdRule} can tell apart from
     * a wrong shape or type and report as a diverged training step.
     */
    static final class NonFiniteException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        NonFiniteException(String message) {
            super(message);
        }
    }

    /**
     * Throws if any element of {@code x} is NaN or infinite, naming the first such particle.
     *
     * @param x an array whose first axis indexes the particles
     * @param what describes the array in the message, e.g. "dL/dA of layer 3"
     * @throws IllegalArgumentException if an element is NaN or infinite
     */
    static void requireFinite(NDArray x, Supplier<String> what) {
        requireFinite(List.of(x), i -> what.get());
    }

    /**
     * Throws if any element of the arrays is NaN or infinite, naming the first such array and
     * particle.
     *
     * <p>The fast path is one elementwise pass per array and a single read-back: \( \sum x \cdot 0
     * \) is 0 when every element is finite and NaN otherwise (it cannot overflow). Only on failure
     * are the array and the particle located.
     *
     * @param arrays arrays whose first axis indexes the particles
     * @param what describes array {@code i} in the message, e.g. "dL/dA of layer 3"
     * @throws IllegalArgumentException if an element is NaN or infinite
     */
    static void requireFinite(List<NDArray> arrays, IntFunction<String> what) {
        if (arrays.isEmpty()) {
            return;
        }
        try (NDManager scope = arrays.get(0).getManager().newSubManager()) {
            for (NDArray x : arrays) {
                LowRankKernel.attach(scope, x);
            }
            NDArray total = null;
            for (NDArray x : arrays) {
                NDArray s = x.mul(0).sum().toType(DataType.FLOAT64, false);
                total = total == null ? s : total.add(s);
            }
            if (!Double.isNaN(total.getDouble())) {
                return;
            }
            for (int a = 0; a < arrays.size(); a++) {
                NDArray x = arrays.get(a);
                long n = x.getShape().get(0);
                double[] perParticle =
                        x.mul(0)
                                .reshape(n, -1)
                                .sum(new int[] {1})
                                .toType(DataType.FLOAT64, false)
                                .toDoubleArray();
                for (int i = 0; i < perParticle.length; i++) {
                    if (Double.isNaN(perParticle[i])) {
                        throw new NonFiniteException(
                                what.apply(a)
                                        + " is NaN or infinite for particle "
                                        + i
                                        + " (of "
                                        + n
                                        + ")");
                    }
                }
            }
            throw new NonFiniteException(what.apply(0) + " is NaN or infinite");
        }
    }
}
