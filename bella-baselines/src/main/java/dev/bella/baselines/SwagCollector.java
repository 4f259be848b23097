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
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import ai.djl.training.Trainer;
import ai.djl.training.listener.TrainingListenerAdapter;
import dev.bella.core.Bella;
import dev.bella.core.BellaConfig;
import dev.bella.core.InPlace;
import dev.bella.core.ParticleBlock;
import dev.bella.core.Seeds;
import dev.bella.core.posterior.ParticlePosterior;
import dev.bella.core.posterior.Provenance;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * SWAG (Maddox et al., 2019; SPEC §9) as a training listener: after {@code start} steps, every
 * {@code interval} steps, it reads each particle's adapter values (every tensor of {@link
 * ParticleBlock#getParticleParameters()}, in that order, as one vector per particle) into that
 * particle's {@link SwagMoments} — running mean, diagonal second moment and the last \( K \)
 * deviations — and {@link #toPosterior} draws adapters from the resulting Gaussian. Any training of
 * the particles can carry it; SWAG assumes the iterates were taken at a fixed learning rate around
 * a mode (the last epochs of a run), which is the caller's choice of {@code start} and optimizer.
 *
 * <p>With one particle it is SWAG over one adapter (LoRA-SWAG over a low-rank adapter's \( A, B \);
 * B-LoRA-XS-SWAG over the cores \( R \) of {@code optCoreOnly} layers); with {@code n} particles
 * each keeps its own statistics (MultiSWAG). Statistics are kept on the Java heap in double
 * precision: \( (K + 2) \) values per adapter value per particle ({@link #getStoredValues()}), the
 * storage of SWAG's own form, beside the \( S \) drawn adapters that the posterior holds.
 *
 * <pre>{@code
 * SwagCollector swag = new SwagCollector(model, steps / 2, 1, 10);
 * ParticlePosterior fit = EnsembleRule.trainer().addTrainingListener(() -> swag) ... .fit(...);
 * try (ParticlePosterior drawn = swag.toPosterior(5, seed, fit.getProvenance())) { ... }
 * }</pre>
 *
 * <p>Not thread-safe; one collector serves one fit.
 */
public final class SwagCollector extends TrainingListenerAdapter {

    /** The provenance method of the posterior {@link #toPosterior} returns. */
    public static final String METHOD = "swag";

    private final ParticleBlock model;
    private final long start;
    private final long interval;
    private final int rank;
    private final List<SwagMoments> moments = new ArrayList<>();
    private long steps;

    /**
     * Creates a collector.
     *
     * @param model the particles being trained
     * @param start steps to skip before the first snapshot, {@code >= 0}
     * @param interval steps between snapshots, {@code >= 1}
     * @param rank \( K \), the deviation columns kept per particle, {@code >= 2}
     * @throws IllegalArgumentException for a negative start, an interval below 1 or a rank below 2
     */
    public SwagCollector(ParticleBlock model, long start, long interval, int rank) {
        if (start < 0 || interval < 1 || rank < 2) {
            throw new IllegalArgumentException(
                    "start must be >= 0, interval >= 1 and rank (K) >= 2, got start = "
                            + start
                            + ", interval = "
                            + interval
                            + ", rank = "
                            + rank);
        }
        this.model = model;
        this.start = start;
        this.interval = interval;
        this.rank = rank;
    }

    @Override
    public void onTrainingBatch(Trainer trainer, BatchData batchData) {
        steps++;
        if (steps > start && (steps - start) % interval == 0) {
            collect();
        }
    }

    /**
     * Reads the particles' current values into the statistics (what each kept step does; callable
     * directly to feed SWAG from a loop of one's own).
     */
    public void collect() {
        int n = model.getParticleCount();
        List<float[]> values = new ArrayList<>();
        long perParticle = 0;
        for (Parameter p : model.getParticleParameters().values()) {
            float[] v = p.getArray().toType(DataType.FLOAT32, false).toFloatArray();
            values.add(v);
            perParticle += v.length / n;
        }
        int d = Math.toIntExact(perParticle);
        if (moments.isEmpty()) {
            for (int i = 0; i < n; i++) {
                moments.add(new SwagMoments(d, rank));
            }
        }
        for (int i = 0; i < n; i++) {
            float[] theta = new float[d];
            int at = 0;
            for (float[] v : values) {
                int per = v.length / n;
                System.arraycopy(v, i * per, theta, at, per);
                at += per;
            }
            moments.get(i).accept(theta);
        }
    }

    /**
     * Returns how many snapshots were kept.
     *
     * @return the snapshot count \( T \)
     */
    public long getSnapshotCount() {
        return moments.isEmpty() ? 0 : moments.get(0).count();
    }

    /**
     * Returns \( K \), the deviation columns kept per particle at most.
     *
     * @return the rank
     */
    public int getRank() {
        return rank;
    }

    /**
     * Returns one particle's statistics.
     *
     * @param particle the particle index
     * @return its statistics (live: later snapshots change them)
     * @throws IllegalStateException if no snapshot was kept yet
     * @throws IllegalArgumentException if the index is out of range
     */
    public SwagMoments getMoments(int particle) {
        requireSnapshots(1);
        if (particle < 0 || particle >= moments.size()) {
            throw new IllegalArgumentException(
                    "particle must be in [0, " + moments.size() + "), got particle = " + particle);
        }
        return moments.get(particle);
    }

    /**
     * Returns the values SWAG's own form holds: \( (K + 2) \) times the adapter values of all
     * particles (mean, second moment and \( K \) deviation columns each).
     *
     * @return {@code (rank + 2) * model.summary().trainableTotal()}
     */
    public long getStoredValues() {
        return storedValues(model.summary().trainableTotal(), rank);
    }

    /**
     * SWAG's storage for given adapter values: \( (K + 2) \) values each.
     *
     * @param adapterValues the adapter values SWAG is over (all particles)
     * @param rank \( K \)
     * @return {@code (rank + 2) * adapterValues}
     */
    public static long storedValues(long adapterValues, int rank) {
        return Math.multiplyExact(rank + 2L, adapterValues);
    }

    /**
     * Draws {@code samples} adapters from each particle's SWAG Gaussian and returns them as a
     * posterior on the same frozen base: {@code samples * n} samples, sample-major (sample {@code
     * s} of particle {@code i} at index {@code s n + i}). Particle {@code i}'s draws use the random
     * stream {@code Seeds.stream(seed, i)}; values are stored as float32.
     *
     * @param samples \( S \) per particle, {@code >= 1}
     * @param seed the seed of the draws
     * @param provenance how the particles were trained (e.g. the fit's {@code getProvenance()});
     *     its method is kept as setting {@code trained_by}, the posterior's method is {@value
     *     #METHOD}
     * @return the posterior; close it to free the samples' arrays
     * @throws IllegalArgumentException if {@code samples < 1}
     * @throws IllegalStateException if fewer than 2 snapshots were kept
     */
    public ParticlePosterior toPosterior(int samples, long seed, Provenance provenance) {
        if (samples < 1) {
            throw new IllegalArgumentException("samples must be >= 1, got samples = " + samples);
        }
        requireSnapshots(2);
        int n = model.getParticleCount();
        int total = Math.multiplyExact(samples, n);
        int d = moments.get(0).dimension();
        float[][] drawn = new float[total][];
        for (int i = 0; i < n; i++) {
            SplittableRandom rng = Seeds.stream(seed, i);
            for (int s = 0; s < samples; s++) {
                double[] theta = moments.get(i).sample(rng);
                float[] f = new float[d];
                for (int k = 0; k < d; k++) {
                    f[k] = (float) theta[k];
                }
                drawn[s * n + i] = f;
            }
        }
        BellaConfig config = model.getConfig().toBuilder().optParticles(total).build();
        ParticleBlock out = Bella.wrap(model.getBase(), config);
        try {
            int at = 0;
            for (Parameter p : out.getParticleParameters().values()) {
                long size = p.getArray().size();
                int per = Math.toIntExact(size / total);
                float[] all = new float[Math.toIntExact(size)];
                for (int j = 0; j < total; j++) {
                    System.arraycopy(drawn[j], at, all, j * per, per);
                }
                InPlace.set(p.getArray(), all);
                at += per;
            }
            if (at != d) {
                throw new IllegalStateException(
                        "the sampled particles hold "
                                + at
                                + " values each, SWAG collected "
                                + d
                                + "; the configuration changed during training");
            }
        } catch (RuntimeException ex) {
            out.close();
            throw ex;
        }
        Map<String, String> settings = new LinkedHashMap<>(provenance.settings());
        settings.put("trained_by", provenance.method());
        settings.put("swag_start", Long.toString(start));
        settings.put("swag_interval", Long.toString(interval));
        settings.put("swag_rank", Integer.toString(rank));
        settings.put("swag_snapshots", Long.toString(getSnapshotCount()));
        settings.put("swag_samples_per_particle", Integer.toString(samples));
        settings.put("swag_seed", Long.toString(seed));
        settings.put("swag_stored_values", Long.toString(getStoredValues()));
        return ParticlePosterior.of(
                out,
                new Provenance(
                        METHOD,
                        settings,
                        config,
                        provenance.seed(),
                        Bella.VERSION,
                        Engine.getDjlVersion(),
                        out.getBaseFingerprint().sha256(),
                        provenance.trainExamples(),
                        provenance.history()));
    }

    private void requireSnapshots(int atLeast) {
        if (getSnapshotCount() < atLeast) {
            throw new IllegalStateException(
                    "SWAG kept "
                            + getSnapshotCount()
                            + " snapshots, needs "
                            + atLeast
                            + ": the training ran "
                            + steps
                            + " steps, SWAG starts after "
                            + start
                            + " and keeps one every "
                            + interval
                            + "; train longer or start earlier");
        }
    }
}
