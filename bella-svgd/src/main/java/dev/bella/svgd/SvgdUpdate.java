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
import java.util.List;
import java.util.Objects;

/**
 * The result of one {@link LowRankSvgd#update}: the direction \( \phi_i \) for every layer and the
 * kernel it was computed with.
 *
 * <p>\( \phi \) is an ascent direction on the log posterior: hand {@code phi.neg()} to a DJL {@code
 * Optimizer} as particle \( i \)'s gradient (or step \( \theta \leftarrow \theta + \epsilon \phi
 * \)). The arrays belong to the manager of the first layer's {@code a}.
 *
 * @param phi one {@link FactorPair} per layer, shaped like the factors, in the order of the layers
 * @param fullRankPhi one direction per full-rank tensor, shaped like it (empty without any)
 * @param kernel the distances, kernel matrix and diagnostics (\( h^2 \), mean kernel value, mean
 *     squared distance) of this step
 */
public record SvgdUpdate(List<FactorPair> phi, List<NDArray> fullRankPhi, KernelMatrix kernel) {

    /**
     * Copies the list (unmodifiable) and checks for nulls.
     *
     * @param phi the directions per layer
     * @param kernel the kernel of this step
     * @throws NullPointerException if an argument is null
     */
    public SvgdUpdate {
        phi = List.copyOf(phi);
        fullRankPhi = List.copyOf(fullRankPhi);
        Objects.requireNonNull(kernel, "kernel");
    }

    /**
     * An update of low-rank layers only.
     *
     * @param phi the directions per layer
     * @param kernel the kernel of this step
     */
    public SvgdUpdate(List<FactorPair> phi, KernelMatrix kernel) {
        this(phi, List.of(), kernel);
    }

    /**
     * Returns the diagnostics of the kernel.
     *
     * @return {@code kernel().stats()}
     */
    public KernelStats stats() {
        return kernel.stats();
    }
}
