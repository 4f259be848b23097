package dev.bella.svgd.train;

/** How the particles are trained. */
public enum Method {
    /**
     * Stein Variational Gradient Descent: each particle moves along the kernel-weighted mean of the
     * particles' gradients plus a repulsion from the others (SPEC §2).
     */
    SVGD,
    /**
     * An ensemble: each particle follows its own gradient, with no kernel and no repulsion
     * (Ensemble Bella). Equal to SVGD with {@code gamma = 0} and the kernel smoothing off.
     */
    ENSEMBLE
}
