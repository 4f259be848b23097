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
