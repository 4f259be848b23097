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
