package dev.bella.ensemble;

import ai.djl.ndarray.NDArray;
import dev.bella.core.Bella;
import dev.bella.core.BellaConfig;
import dev.bella.core.DenseParticleLinear;
import dev.bella.core.LowRankLinear;
import dev.bella.core.MergedParticle;
import dev.bella.core.ParticleBlock;
import java.util.Arrays;
import java.util.Map;

/**
 * Soups: one model whose perturbation is the mean of the particles' perturbations (SPEC §3),
 *
 * <p>\[ W_{soup} = W_0 + \frac{s}{n} \sum_i A_i B_i . \]
 *
 * <p>This is not \( W_0 + s \bar A \bar B \) with the mean factors: averaging \( A \) and \( B \)
 * separately mixes the particles' factors (\( \bar A \bar B = \frac{1}{n^2} \sum_{i,j} A_i B_j \))
 * and, because \( A B = (A M)(M^{-1} B) \), is not even well defined. A soup is either a merged
 * dense weight ({@link #merged}) or an exact rank-\( n r \) adapter ({@link #asAdapter}). Full-rank
 * (per-particle) layers are averaged.
 *
 * <p>A soup is one network: it costs one forward pass, but it gives up the particles' spread and so
 * their uncertainty estimates.
 */
public final class Soups {

    private Soups() {}

    /**
     * The soup merged into plain dense layers.
     *
     * @param particles the particles
     * @return a plain DJL model with the base's signature; close it to free its weights
     */
    public static MergedParticle merged(ParticleBlock particles) {
        double[] uniform = new double[particles.getParticleCount()];
        Arrays.fill(uniform, 1.0 / uniform.length);
        return particles.mergeWeighted(uniform);
    }

    /**
     * The soup as one particle with a rank-\( n r \) adapter on the same base: \( A' = [A_1, \dots,
     * A_n] \), \( B' = [B_1; \dots; B_n] \) and the same \( \alpha \), so the scale becomes \( s /
     * n \) and \( s' A' B' = \frac{s}{n} \sum_i A_i B_i \) exactly.
     *
     * @param particles the particles
     * @return a one-particle model; close it to free its adapters
     * @throws IllegalArgumentException if \( n r \) exceeds \( \min(d_{in}, d_{out}) \) of a layer
     *     (use {@link #merged} then)
     */
    public static ParticleBlock asAdapter(ParticleBlock particles) {
        BellaConfig c = particles.getConfig();
        int n = particles.getParticleCount();
        int rank = n * c.getRank();
        for (LowRankLinear l : particles.getLayers().values()) {
            long max = Math.min(l.getInFeatures(), l.getOutFeatures());
            if (rank > max) {
                throw new IllegalArgumentException(
                        "a soup adapter of "
                                + n
                                + " particles x rank "
                                + c.getRank()
                                + " = rank "
                                + rank
                                + " exceeds min(d_in, d_out) = "
                                + max
                                + " of layer '"
                                + l.getPath()
                                + "'; use Soups.merged(...) instead");
            }
        }
        BellaConfig soupConfig =
                c.toBuilder().optRank(rank).optAlpha(c.getAlpha()).optParticles(1).build();
        ParticleBlock soup = Bella.wrap(particles.getBase(), soupConfig);
        try {
            for (Map.Entry<String, LowRankLinear> e : particles.getLayers().entrySet()) {
                LowRankLinear from = e.getValue();
                LowRankLinear to = soup.getLayers().get(e.getKey());
                NDArray a = from.getA().getArray();
                long in = from.getInFeatures();
                try (NDArray aCat = a.transpose(1, 0, 2).reshape(1, in, rank);
                        NDArray bCat =
                                from.getB().getArray().reshape(1, rank, from.getOutFeatures())) {
                    to.getA().getArray().set(aCat.toByteBuffer());
                    to.getB().getArray().set(bCat.toByteBuffer());
                }
            }
            for (Map.Entry<String, DenseParticleLinear> e : particles.getDenseLayers().entrySet()) {
                DenseParticleLinear from = e.getValue();
                DenseParticleLinear to = soup.getDenseLayers().get(e.getKey());
                try (NDArray w = from.getParticleWeight().getArray().mean(new int[] {0}, true)) {
                    to.getParticleWeight().getArray().set(w.toByteBuffer());
                }
                if (from.getParticleBias() != null) {
                    try (NDArray b = from.getParticleBias().getArray().mean(new int[] {0}, true)) {
                        to.getParticleBias().getArray().set(b.toByteBuffer());
                    }
                }
            }
        } catch (RuntimeException ex) {
            soup.close();
            throw ex;
        }
        return soup;
    }
}
