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
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import ai.djl.training.Trainer;
import ai.djl.training.listener.TrainingListenerAdapter;
import dev.bella.core.Bella;
import dev.bella.core.BellaConfig;
import dev.bella.core.InPlace;
import dev.bella.core.ParticleBlock;
import dev.bella.core.posterior.ParticlePosterior;
import dev.bella.core.posterior.Provenance;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Keeps samples of the particles during training — after a burn-in, every {@code thinning} steps —
 * and turns them into a posterior whose samples are those snapshots: each of the {@code n}
 * particles (chains) contributes one sample per snapshot. Used by SGLD ({@link SgldRule}); any
 * training can use it ({@link SwagCollector} keeps SWAG's moments instead of samples).
 *
 * <p>Add it with {@code ParticleTrainer.Builder.addTrainingListener(() -> collector)} and call
 * {@link #toPosterior} after the fit. Snapshots are copies on the Java heap (float32). Not
 * thread-safe; one collector serves one fit.
 */
public final class SampleCollector extends TrainingListenerAdapter {

    private final ParticleBlock model;
    private final long burnIn;
    private final long thinning;
    private final List<Map<String, float[]>> snapshots = new ArrayList<>();
    private long steps;

    /**
     * Creates a collector.
     *
     * @param model the particles being trained
     * @param burnIn steps to skip before the first snapshot, {@code >= 0}
     * @param thinning steps between snapshots, {@code >= 1}
     * @throws IllegalArgumentException for a negative burn-in or a thinning below 1
     */
    public SampleCollector(ParticleBlock model, long burnIn, long thinning) {
        if (burnIn < 0 || thinning < 1) {
            throw new IllegalArgumentException(
                    "burnIn must be >= 0 and thinning >= 1, got burnIn = "
                            + burnIn
                            + ", thinning = "
                            + thinning);
        }
        this.model = model;
        this.burnIn = burnIn;
        this.thinning = thinning;
    }

    @Override
    public void onTrainingBatch(Trainer trainer, BatchData batchData) {
        steps++;
        if (steps > burnIn && (steps - burnIn) % thinning == 0) {
            Map<String, float[]> snapshot = new LinkedHashMap<>();
            for (Map.Entry<String, Parameter> e : model.getParticleParameters().entrySet()) {
                NDArray v = e.getValue().getArray();
                snapshot.put(e.getKey(), v.toType(DataType.FLOAT32, false).toFloatArray());
            }
            snapshots.add(snapshot);
        }
    }

    /**
     * Returns how many snapshots were kept (each holds one sample per particle).
     *
     * @return the snapshot count
     */
    public int getSnapshotCount() {
        return snapshots.size();
    }

    /**
     * Returns the kept samples as a posterior on the same frozen base: {@code snapshots x n}
     * samples, snapshot-major.
     *
     * @param provenance how the chains were run (e.g. the fit's {@code getProvenance()}); its
     *     method is kept and its configuration replaced by the samples' one
     * @return the posterior; close it to free the samples' arrays
     * @throws IllegalStateException if no snapshot was kept (training shorter than the burn-in)
     */
    public ParticlePosterior toPosterior(Provenance provenance) {
        if (snapshots.isEmpty()) {
            throw new IllegalStateException(
                    "no sample was kept: the training ran "
                            + steps
                            + " steps, the burn-in is "
                            + burnIn
                            + "; train longer or lower the burn-in");
        }
        int n = model.getParticleCount();
        int total = snapshots.size() * n;
        BellaConfig config = model.getConfig().toBuilder().optParticles(total).build();
        ParticleBlock samples = Bella.wrap(model.getBase(), config);
        try {
            for (Map.Entry<String, Parameter> e : samples.getParticleParameters().entrySet()) {
                NDArray target = e.getValue().getArray();
                int per = Math.toIntExact(target.size() / total) * n;
                float[] all = new float[Math.toIntExact(target.size())];
                for (int s = 0; s < snapshots.size(); s++) {
                    System.arraycopy(snapshots.get(s).get(e.getKey()), 0, all, s * per, per);
                }
                InPlace.set(target, all);
            }
        } catch (RuntimeException ex) {
            samples.close();
            throw ex;
        }
        Map<String, String> settings = new LinkedHashMap<>(provenance.settings());
        settings.put("burn_in", Long.toString(burnIn));
        settings.put("thinning", Long.toString(thinning));
        settings.put("snapshots", Integer.toString(snapshots.size()));
        return ParticlePosterior.of(
                samples,
                new Provenance(
                        provenance.method(),
                        settings,
                        config,
                        provenance.seed(),
                        Bella.VERSION,
                        Engine.getDjlVersion(),
                        samples.getBaseFingerprint().sha256(),
                        provenance.trainExamples(),
                        provenance.history()));
    }
}
