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

import ai.djl.nn.Block;
import ai.djl.nn.core.Linear;
import dev.bella.core.BellaConfig;
import dev.bella.core.LayerPaths;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Configurations for the full-rank baselines that Bella is compared with (SPEC §3): every particle
 * owns a full copy of every dense layer of a (small) model. Train the result with {@code
 * ParticleTrainer} and the {@link EnsembleRule} for an ensemble of fine-tuned copies, or with
 * bella-svgd's {@code SvgdRule} for full-rank SVGD, so the comparison uses the same trainer, data
 * order and metrics.
 */
public final class Baselines {

    private Baselines() {}

    /**
     * Returns a configuration giving every particle a full copy of every {@link Linear} layer of
     * the model.
     *
     * @param base the model
     * @param particles the number of copies
     * @param seed the seed of the copies' initial noise
     * @param initStd the standard deviation of that noise (see {@link
     *     BellaConfig.Builder#optFullRankInitStd}); 0 only with a per-particle data order
     * @return the configuration
     * @throws IllegalArgumentException if the model has no Linear layer
     */
    public static BellaConfig fullRank(Block base, int particles, long seed, double initStd) {
        List<String> linears =
                LayerPaths.walk(base).entrySet().stream()
                        .filter(e -> e.getValue() instanceof Linear)
                        .map(Map.Entry::getKey)
                        .collect(Collectors.toList());
        if (linears.isEmpty()) {
            throw new IllegalArgumentException(
                    "the model has no Linear layer to copy per particle");
        }
        return BellaConfig.builder()
                .optFullRankTargets(linears.toArray(new String[0]))
                .optParticles(particles)
                .optSeed(seed)
                .optFullRankInitStd(initStd)
                .build();
    }
}
