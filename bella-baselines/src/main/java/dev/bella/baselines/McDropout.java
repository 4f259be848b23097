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
package dev.bella.baselines;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import dev.bella.core.AdapterStore;
import dev.bella.core.Bella;
import dev.bella.core.BellaConfig;
import dev.bella.core.InPlace;
import dev.bella.core.ParticleBlock;
import dev.bella.core.posterior.ParticlePosterior;
import dev.bella.core.posterior.Posterior;
import dev.bella.core.posterior.Predictive;
import dev.bella.core.posterior.Provenance;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * MC dropout over one trained adapter (Gal &amp; Ghahramani, 2016): the cheapest baseline of SPEC
 * §9. The adapter is trained with dropout on the input of its low-rank branches ({@link
 * BellaConfig.Builder#optAdapterDropout}, PEFT's {@code lora_dropout}); at prediction the dropout
 * stays on and \( S \) stochastic passes are averaged:
 *
 * <p>\[ \bar p(y \mid x) = \frac1S \sum_{s=1}^S p\left(y \mid x;\, W_0 + s\,(\tfrac{m_s \odot
 * \cdot}{1 - p} A) B\right), \qquad m_s \sim \mathrm{Bernoulli}(1 - p), \]
 *
 * <p>the mean of probabilities (SPEC §4), with entropy, aleatoric part and mutual information from
 * {@link Predictive}. The frozen path never drops.
 *
 * <p>The \( S \) passes run as one batched forward: the adapter is copied into \( S \) particles
 * (as {@link Laplace.Fit#sample} copies its draws) and predicted with {@link
 * ParticleBlock#predictWithAdapterDropout}, so each copy draws its own masks, per example. The
 * masks are a fixed function of the seed (see that method), so predictions are reproducible and
 * every call sees the same \( S \) networks for a batch of the same shape — FGSM attacks the
 * predictive it is evaluated on. Saving writes the one adapter and the provenance (method {@code
 * "mc-dropout"}, with {@code samples}, {@code dropout} and {@code mask_seed}); {@link #load}
 * restores all of it.
 *
 * <p>Thread safety: as {@link ParticleBlock#predict}.
 */
public final class McDropout implements Posterior {

    /** The method name in the provenance. */
    public static final String METHOD = "mc-dropout";

    private final ParticleBlock copies;
    private final double dropout;
    private final long seed;
    private final Provenance provenance;

    private McDropout(ParticleBlock copies, double dropout, long seed, Provenance provenance) {
        this.copies = copies;
        this.dropout = dropout;
        this.seed = seed;
        this.provenance = provenance;
    }

    /**
     * MC dropout at the rate the adapter was trained with ({@link BellaConfig#getAdapterDropout}).
     *
     * @param adapter the trained adapter, one particle ({@code select(i)} picks one); not owned,
     *     only read
     * @param samples \( S \), {@code >= 1}
     * @param seed the seed of the masks
     * @return the posterior; close it to free the copies
     * @throws IllegalArgumentException if the adapter has more than one particle, was trained
     *     without dropout, or {@code samples < 1}
     */
    public static McDropout of(ParticleBlock adapter, int samples, long seed) {
        double p = adapter.getConfig().getAdapterDropout();
        if (p == 0) {
            throw new IllegalArgumentException(
                    "MC dropout needs a dropout probability in (0, 1), but the adapter was"
                            + " trained without adapter dropout (adapter_dropout = 0); train with"
                            + " BellaConfig.Builder.optAdapterDropout(p) or pass p to"
                            + " McDropout.of(adapter, samples, p, seed)");
        }
        return of(adapter, samples, p, seed);
    }

    /**
     * MC dropout at a chosen rate.
     *
     * @param adapter the trained adapter, one particle; not owned, only read
     * @param samples \( S \), {@code >= 1}
     * @param dropout \( p \in (0, 1) \)
     * @param seed the seed of the masks
     * @return the posterior; close it to free the copies
     * @throws IllegalArgumentException if the adapter has more than one particle, or {@code
     *     samples} or {@code dropout} is out of range
     */
    public static McDropout of(ParticleBlock adapter, int samples, double dropout, long seed) {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("samples", Integer.toString(samples));
        settings.put("dropout", String.format(Locale.ROOT, "%s", dropout));
        settings.put("mask_seed", Long.toString(seed));
        return of(adapter, samples, dropout, seed, settings, null);
    }

    private static McDropout of(
            ParticleBlock adapter,
            int samples,
            double dropout,
            long seed,
            Map<String, String> settings,
            Provenance saved) {
        if (adapter.getParticleCount() != 1) {
            throw new IllegalArgumentException(
                    "MC dropout runs one adapter, got "
                            + adapter.getParticleCount()
                            + " particles; select one with ParticleBlock.select(i)");
        }
        if (samples < 1) {
            throw new IllegalArgumentException("samples must be >= 1, got " + samples);
        }
        if (!(dropout > 0 && dropout < 1)) {
            throw new IllegalArgumentException(
                    "the MC dropout probability should be in (0, 1) but the value passed is "
                            + dropout);
        }
        BellaConfig config = adapter.getConfig().toBuilder().optParticles(samples).build();
        ParticleBlock copies = Bella.wrap(adapter.getBase(), config);
        try {
            Map<String, Parameter> source = adapter.getParticleParameters();
            for (Map.Entry<String, Parameter> e : copies.getParticleParameters().entrySet()) {
                float[] one =
                        source.get(e.getKey())
                                .getArray()
                                .toType(DataType.FLOAT32, false)
                                .toFloatArray();
                float[] all = new float[one.length * samples];
                for (int s = 0; s < samples; s++) {
                    System.arraycopy(one, 0, all, s * one.length, one.length);
                }
                InPlace.set(e.getValue().getArray(), all);
            }
            Provenance provenance =
                    new Provenance(
                            METHOD,
                            settings,
                            adapter.getConfig(),
                            saved == null ? seed : saved.seed(),
                            Bella.VERSION,
                            Engine.getDjlVersion(),
                            copies.getBaseFingerprint().sha256(),
                            saved == null ? 0 : saved.trainExamples(),
                            saved == null ? List.of() : saved.history());
            return new McDropout(copies, dropout, seed, provenance);
        } catch (RuntimeException ex) {
            copies.close();
            throw ex;
        }
    }

    /**
     * Loads an MC-dropout posterior saved by {@link #save} onto the base it was trained on.
     *
     * @param dir the directory
     * @param base the frozen base (its fingerprint is checked)
     * @return the posterior, with the saved samples, dropout and mask seed
     * @throws IOException if a file is missing or cannot be read
     * @throws IllegalArgumentException if the files are malformed, do not fit the base, or were not
     *     saved by {@link #save}
     */
    public static McDropout load(Path dir, Block base) throws IOException {
        try (ParticlePosterior saved = ParticlePosterior.load(dir, base)) {
            Provenance p = saved.getProvenance();
            if (!METHOD.equals(p.method())) {
                throw new IllegalArgumentException(
                        dir + " holds a posterior of method '" + p.method() + "', not " + METHOD);
            }
            int samples = Integer.parseInt(setting(p, "samples", dir));
            double dropout = Double.parseDouble(setting(p, "dropout", dir));
            long seed = Long.parseLong(setting(p, "mask_seed", dir));
            return of(saved.getParticles(), samples, dropout, seed, p.settings(), p);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    dir + ": an MC dropout setting is not a number: " + e.getMessage(), e);
        }
    }

    private static String setting(Provenance p, String key, Path dir) {
        String v = p.settings().get(key);
        if (v == null) {
            throw new IllegalArgumentException(
                    dir + ": the provenance has no MC dropout setting '" + key + "'");
        }
        return v;
    }

    /**
     * Runs the \( S \) stochastic passes and returns their logits.
     *
     * @param inputs each {@code (b, ...)}
     * @return {@code (S, b, C)} logits, attached to the inputs' manager
     */
    public NDArray logits(NDList inputs) {
        return copies.predictWithAdapterDropout(inputs, dropout, seed).singletonOrThrow();
    }

    @Override
    public NDArray sampleProbabilities(NDList inputs) {
        return Predictive.probabilities(logits(inputs).toType(DataType.FLOAT32, false));
    }

    @Override
    public NDArray logPredictive(NDList inputs) {
        return Predictive.logMean(logits(inputs));
    }

    @Override
    public int getSampleCount() {
        return copies.getParticleCount();
    }

    /**
     * Returns the dropout probability \( p \) of the passes.
     *
     * @return \( p \)
     */
    public double getDropout() {
        return dropout;
    }

    /**
     * Returns the \( S \) copies of the adapter (owned by this posterior), e.g. to tune {@link
     * ParticleBlock#setInferenceChunkElements}.
     *
     * @return the copies
     */
    public ParticleBlock getCopies() {
        return copies;
    }

    @Override
    public ai.djl.Device getDevice() {
        return copies.getDevice();
    }

    @Override
    public Provenance getProvenance() {
        return provenance;
    }

    /**
     * Saves the one adapter (float32) with the provenance record, from which {@link #load} restores
     * {@code samples}, {@code dropout} and the mask seed.
     *
     * @param dir the directory, created if missing
     * @throws IOException if writing fails; an earlier save in {@code dir} stays intact
     */
    @Override
    public void save(Path dir) throws IOException {
        try (ParticleBlock one = copies.select(0)) {
            AdapterStore.save(one, dir, Map.of(), DataType.FLOAT32, provenance.toJson());
        }
    }

    @Override
    public void close() {
        copies.close();
    }

    /**
     * Reads a saved MC dropout for {@link dev.bella.core.posterior.Posteriors#load}; registered
     * with {@link java.util.ServiceLoader}.
     */
    public static final class Format implements dev.bella.core.posterior.PosteriorFormat {

        /** Used by {@link java.util.ServiceLoader}. */
        public Format() {}

        @Override
        public String method() {
            return METHOD;
        }

        @Override
        public Posterior load(Path dir, Block base) throws IOException {
            return McDropout.load(dir, base);
        }
    }
}
