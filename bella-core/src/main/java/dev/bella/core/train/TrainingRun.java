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
package dev.bella.core.train;

import ai.djl.engine.Engine;
import ai.djl.training.optimizer.Optimizer;
import dev.bella.core.Bella;
import dev.bella.core.ParticleBlock;
import dev.bella.core.posterior.EpochStats;
import dev.bella.core.posterior.Provenance;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The state of one {@link ParticleTrainer#fit} call, shared with its listeners: the model and
 * optimizer being trained, the position (epoch, step), the settings and the history so far.
 * Listeners read it; only the trainer changes it. Not thread-safe (a fit runs on one thread).
 */
public final class TrainingRun {

    private final ParticleBlock model;
    private final Optimizer optimizer;
    private final UpdateRule rule;
    private final Map<String, String> settings;
    private final long trainExamples;
    private final long seed;
    private final Path checkpointDir;
    private final List<EpochStats> history = new ArrayList<>();
    private final Map<String, double[]> diagnostics = new LinkedHashMap<>();
    private int epoch;
    private long step;
    private double valueLimit = Double.POSITIVE_INFINITY;
    private String lastCheckpoint;

    TrainingRun(
            ParticleBlock model,
            Optimizer optimizer,
            UpdateRule rule,
            Map<String, String> settings,
            long trainExamples,
            long seed,
            Path checkpointDir) {
        this.model = model;
        this.optimizer = optimizer;
        this.rule = rule;
        this.settings = Collections.unmodifiableMap(new LinkedHashMap<>(settings));
        this.trainExamples = trainExamples;
        this.seed = seed;
        this.checkpointDir = checkpointDir;
    }

    /**
     * Returns the particles being trained.
     *
     * @return the model
     */
    public ParticleBlock getModel() {
        return model;
    }

    /**
     * Returns the optimizer of this fit.
     *
     * @return the optimizer
     */
    public Optimizer getOptimizer() {
        return optimizer;
    }

    /**
     * Returns the update rule.
     *
     * @return the rule
     */
    public UpdateRule getRule() {
        return rule;
    }

    /**
     * Returns the trainer's and the rule's settings, as recorded in provenance and checkpoints.
     *
     * @return an unmodifiable ordered map
     */
    public Map<String, String> getSettings() {
        return settings;
    }

    /**
     * Returns the size of the training set.
     *
     * @return {@code N}
     */
    public long getTrainExamples() {
        return trainExamples;
    }

    /**
     * Returns the checkpoint directory of this fit, or {@code null}.
     *
     * @return the directory or {@code null}
     */
    public Path getCheckpointDir() {
        return checkpointDir;
    }

    /**
     * Returns the current (0-based) epoch.
     *
     * @return the epoch
     */
    public int getEpoch() {
        return epoch;
    }

    /**
     * Returns the number of optimizer steps taken so far, over all epochs (resumed ones included).
     *
     * @return the step count
     */
    public long getStep() {
        return step;
    }

    /**
     * Returns what each epoch of this fit measured so far.
     *
     * @return an unmodifiable list
     */
    public List<EpochStats> getHistory() {
        return Collections.unmodifiableList(history);
    }

    /**
     * Returns the statistics of the last finished epoch.
     *
     * @return the last entry of {@link #getHistory()}
     * @throws IllegalStateException before the first epoch has finished
     */
    public EpochStats getLastEpoch() {
        if (history.isEmpty()) {
            throw new IllegalStateException("no epoch has finished yet");
        }
        return history.get(history.size() - 1);
    }

    /**
     * Returns the provenance of the particles as trained so far: the rule, the settings, the
     * particles' configuration, the data-order seed, versions, the base fingerprint, the training
     * set's size and the history of this fit. Saved with every checkpoint and with the posterior.
     *
     * @return the provenance
     */
    public Provenance provenance() {
        return new Provenance(
                rule.name(),
                settings,
                model.getConfig(),
                seed,
                Bella.VERSION,
                Engine.getDjlVersion(),
                model.getBaseFingerprint().sha256(),
                trainExamples,
                history);
    }

    /**
     * Returns the largest absolute particle-tensor value this fit accepts before it counts as
     * diverged ({@link ParticleTrainer.Builder#optDivergenceFactor}); infinite when the bound is
     * off. Non-finite values always count as diverged.
     *
     * @return the bound, positive, possibly infinite
     */
    public double getValueLimit() {
        return valueLimit;
    }

    /**
     * Describes where the last good state on disk is, for error messages: the last checkpoint this
     * fit wrote or resumed from (directory, epoch and step), or that there is none.
     *
     * @return one clause, e.g. {@code "the last good checkpoint is ckpt (epoch 2, step 30)"}
     */
    public String describeLastCheckpoint() {
        if (lastCheckpoint != null) {
            return lastCheckpoint;
        }
        return checkpointDir == null
                ? "no checkpoint directory was set, so there is no checkpoint to go back to"
                : "no checkpoint has been written to " + checkpointDir + " by this fit yet";
    }

    void setValueLimit(double limit) {
        this.valueLimit = limit;
    }

    void checkpointed(Path dir, int epoch, long step, boolean resumed) {
        this.lastCheckpoint =
                "the last good checkpoint is "
                        + dir
                        + " (epoch "
                        + epoch
                        + ", step "
                        + step
                        + (resumed ? ", the one this fit resumed from)" : ")");
    }

    void setPosition(int epoch, long step) {
        this.epoch = epoch;
        this.step = step;
    }

    void addDiagnostics(Map<String, Double> values) {
        for (Map.Entry<String, Double> e : values.entrySet()) {
            double[] sum = diagnostics.computeIfAbsent(e.getKey(), k -> new double[2]);
            sum[0] += e.getValue();
            sum[1] += 1;
        }
    }

    /** Returns the mean of each diagnostic since the last call, and resets them. */
    Map<String, Double> takeDiagnostics() {
        Map<String, Double> out = new LinkedHashMap<>();
        diagnostics.forEach((k, v) -> out.put(k, v[0] / v[1]));
        diagnostics.clear();
        return out;
    }

    void addEpoch(EpochStats stats) {
        history.add(stats);
    }
}
