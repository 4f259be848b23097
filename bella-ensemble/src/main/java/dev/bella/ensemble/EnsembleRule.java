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
import dev.bella.core.train.UpdateRule;
import java.util.Map;

/**
 * The independent ensemble as an {@link UpdateRule}: each particle follows its own loss gradient,
 * with no kernel and no repulsion, so that \( n \) particles trained together are exactly \( n \)
 * independently trained adapters (equal to SVGD with {@code gamma = 0} and the kernel smoothing
 * off, bit for bit). The gradients are handed to the optimizer unchanged.
 */
public final class EnsembleRule implements UpdateRule {

    /** The rule; it has no settings, so one instance serves every fit. */
    public static final EnsembleRule INSTANCE = new EnsembleRule();

    private EnsembleRule() {}

    @Override
    public String name() {
        return "ensemble";
    }

    @Override
    public Map<String, String> settings() {
        return Map.of();
    }

    @Override
    public Update update(StepGradients step) {
        return new Update(step.gradients(), Map.of());
    }

    /**
     * Returns a trainer builder with this rule and a shared data order (use {@link
     * EnsembleBella#trainer()} for Ensemble Bella's per-particle data order).
     *
     * @return a {@link ParticleTrainer} builder
     */
    public static ParticleTrainer.Builder trainer() {
        return ParticleTrainer.builder().setUpdateRule(INSTANCE);
    }
}
