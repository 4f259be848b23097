package dev.bella.svgd.train;

import dev.bella.core.ParticleBlock;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What training returns: the trained particles with the record of how they were made.
 *
 * <p>The particles are the {@link ParticleBlock} that was trained (closing the posterior closes
 * it); the provenance is immutable.
 *
 * @param particles the trained particles
 * @param provenance configuration, seeds, versions and history
 */
public record Posterior(ParticleBlock particles, Provenance provenance) implements AutoCloseable {

    /**
     * How a posterior was made.
     *
     * @param method SVGD or an ensemble
     * @param settings the trainer's settings, as text
     * @param bellaConfig the particles' configuration, as text
     * @param seed the data-order seed
     * @param libraryVersion Bella's version
     * @param djlVersion DJL's version
     * @param baseSha256 the base network's fingerprint
     * @param trainExamples the size of the training set
     * @param history one entry per epoch run in this fit (resumed epochs are not repeated)
     */
    public record Provenance(
            Method method,
            Map<String, String> settings,
            String bellaConfig,
            long seed,
            String libraryVersion,
            String djlVersion,
            String baseSha256,
            long trainExamples,
            List<EpochStats> history) {

        /** Copies the collections. */
        public Provenance {
            settings = Map.copyOf(settings);
            history = List.copyOf(history);
        }
    }

    /** Checks for nulls. */
    public Posterior {
        Objects.requireNonNull(particles, "particles");
        Objects.requireNonNull(provenance, "provenance");
    }

    @Override
    public void close() {
        particles.close();
    }
}
