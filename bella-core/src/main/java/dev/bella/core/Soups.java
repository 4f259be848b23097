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
package dev.bella.core;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
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
        for (LowRankLinear l : particles.getLayers(LowRankLinear.class).values()) {
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
        // B-LoRA-XS cores: the soup is the mean core on the same frozen factors (exact, the
        // perturbation is linear in R), at the same rank.
        BellaConfig soupConfig =
                c.isCoreOnly()
                        ? c.toBuilder().optParticles(1).build()
                        : c.toBuilder()
                                .optRank(rank)
                                .optAlpha(c.getAlpha())
                                .optParticles(1)
                                .build();
        ParticleBlock soup = Bella.wrap(particles.getBase(), soupConfig, particles.getDevice());
        try {
            for (ParticleLinear from : particles.getLayers().values()) {
                ParticleLinear to = soup.getLayers().get(from.getPath());
                if (from instanceof LowRankLinear) {
                    // Concatenated factors at scale alpha / (n r) = s / n: the mean perturbation.
                    LowRankLinear f = (LowRankLinear) from;
                    LowRankLinear t = (LowRankLinear) to;
                    long in = f.getInFeatures();
                    try (NDArray aCat =
                                    f.getA().getArray().transpose(1, 0, 2).reshape(1, in, rank);
                            NDArray bCat =
                                    f.getB().getArray().reshape(1, rank, f.getOutFeatures())) {
                        InPlace.copy(aCat, t.getA().getArray());
                        InPlace.copy(bCat, t.getB().getArray());
                    }
                } else {
                    // A full copy per particle, or a B-LoRA-XS core: the soup holds the mean.
                    for (Map.Entry<String, Parameter> e : from.getParticleParameters().entrySet()) {
                        NDArray target = to.getParticleParameters().get(e.getKey()).getArray();
                        try (NDArray mean = e.getValue().getArray().mean(new int[] {0}, true)) {
                            InPlace.copy(mean, target);
                        }
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
