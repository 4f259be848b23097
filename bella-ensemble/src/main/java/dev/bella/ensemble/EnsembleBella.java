package dev.bella.ensemble;

import dev.bella.svgd.train.BellaTrainer;
import dev.bella.svgd.train.Method;

/**
 * Ensemble Bella: the particles trained independently (SPEC §3) — no kernel, no repulsion, each
 * particle from its own initialisation stream and, by default here, on its own data order. It is
 * {@link BellaTrainer} with {@link Method#ENSEMBLE}, so SVGD versus ensemble is one switch.
 */
public final class EnsembleBella {

    private EnsembleBella() {}

    /**
     * Returns a trainer builder preset for Ensemble Bella: {@link Method#ENSEMBLE} with a
     * per-particle data order. Everything else (optimizer, epochs, batch size, checkpoints) is set
     * as for any {@link BellaTrainer}.
     *
     * @return a builder
     */
    public static BellaTrainer.Builder trainer() {
        return BellaTrainer.builder().optMethod(Method.ENSEMBLE).optPerParticleDataOrder(true);
    }
}
