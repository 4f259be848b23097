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

/**
 * The score \( \nabla_x \log p(x) \) of an unnormalised target density, evaluated for all particles
 * at once; what {@link Svgd} samples from.
 *
 * <p>Implementations may use DJL autograd (a {@code GradientCollector} around \( \log p \)) or a
 * closed form. They should create their result from {@code particles.getManager()} (as any NDArray
 * operation on {@code particles} does), so that {@link Svgd} frees it with the step.
 */
@FunctionalInterface
public interface ScoreFunction {

    /**
     * Returns \( \nabla \log p \) at every particle.
     *
     * @param particles the particles, shape {@code (n, ...)}; must not be modified
     * @return the scores, with the shape and data type of {@code particles}
     */
    NDArray score(NDArray particles);
}
