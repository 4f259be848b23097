package dev.bella.ensemble;

import dev.bella.core.train.ParticleTrainer;


/**
 * Ensemble Bella: the particles trained independently (SPEC §3) — no kernel, no repulsion, each
 * particle from its own initialisation stream and, by default here, on its own data order. It is
 * {@link ParticleTrainer} with the {@link EnsembleRule}, so SVGD versus ensemble is one switch (the
 * update rule).
 */
public final class EnsembleBella {

    private EnsembleBella() {}

    /**
     * Returns a trainer builder preset for Ensemble Bella: the {@link EnsembleRule} with a
     * per-particle data order. Everything else (optimizer, epochs, batch size, checkpoints) is set
     * as for any {@link ParticleTrainer}.
     *
     * @return a builder
     */
    public static ParticleTrainer.Builder trainer() {
        return EnsembleRule.trainer().optPerParticleDataOrder(true);
    }
}
