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

import ai.djl.TrainingDivergedException;
import ai.djl.ndarray.NDArray;
import ai.djl.training.Trainer;
import ai.djl.training.listener.TrainingListenerAdapter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Saves a checkpoint (adapters, optimizer state, position) after every epoch, atomically, with the
 * provenance of the particles so far. Added by {@link ParticleTrainer} when a checkpoint directory
 * is set ({@link ParticleTrainer.Builder#optCheckpointDir}).
 *
 * <p>A checkpoint is never written from a diverged state: before saving, the epoch's training loss
 * must be finite and every particle tensor finite and within the fit's divergence bound ({@link
 * ParticleTrainer.Builder#optDivergenceFactor}); otherwise a {@link TrainingDivergedException}
 * names the epoch, the step, the particle and the last good checkpoint, which stays as it was. (The
 * trainer already refuses such a state at every step; this is the last line before the disk, and
 * also holds for a custom optimizer.)
 */
public final class CheckpointListener extends TrainingListenerAdapter {

    private final TrainingRun run;
    private final Path dir;

    /**
     * Creates the listener of one fit.
     *
     * @param run the fit's state
     * @param dir the checkpoint directory
     */
    CheckpointListener(TrainingRun run, Path dir) {
        this.run = run;
        this.dir = dir;
    }

    /**
     * Saves the checkpoint of the epoch that just ended, unless the state has diverged.
     *
     * @throws UncheckedIOException if writing fails (the previous checkpoint stays intact)
     * @throws TrainingDivergedException if the epoch's loss is not finite or a particle tensor is
     *     NaN, infinite or beyond the divergence bound (nothing is written)
     */
    @Override
    public void onEpoch(Trainer trainer) {
        String when = "after epoch " + run.getEpoch() + " (step " + run.getStep() + ")";
        double loss = run.getHistory().isEmpty() ? 0 : run.getLastEpoch().trainLoss();
        if (Double.isInfinite(loss) || Double.isNaN(loss)) {
            throw refused("the mean training loss of the epoch is " + loss, when);
        }
        Map<String, NDArray> values = new LinkedHashMap<>();
        run.getModel().getParticleParameters().forEach((k, p) -> values.put(k, p.getArray()));
        double limit = run.getValueLimit();
        DivergenceGuard.Violation bad = DivergenceGuard.find(values, limit);
        if (bad != null) {
            throw refused(bad.describe(limit, "holds"), when);
        }
        try {
            Checkpoints.save(run, dir);
        } catch (IOException e) {
            throw new UncheckedIOException("could not write the checkpoint in " + dir, e);
        }
        run.checkpointed(dir, run.getEpoch(), run.getStep(), false);
    }

    private TrainingDivergedException refused(String what, String when) {
        return new TrainingDivergedException(
                String.format(
                        Locale.ROOT,
                        "%s %s: the checkpoint was not written and %s%s",
                        what,
                        when,
                        run.describeLastCheckpoint(),
                        DivergenceGuard.HINT));
    }
}
