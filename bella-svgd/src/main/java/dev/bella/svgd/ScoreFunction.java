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
