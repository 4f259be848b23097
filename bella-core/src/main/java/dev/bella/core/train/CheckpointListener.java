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

import ai.djl.training.Trainer;
import ai.djl.training.listener.TrainingListenerAdapter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * Saves a checkpoint (adapters, optimizer state, position) after every epoch, atomically, with the
 * provenance of the particles so far. Added by {@link ParticleTrainer} when a checkpoint directory
 * is set ({@link ParticleTrainer.Builder#optCheckpointDir}).
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
     * Saves the checkpoint of the epoch that just ended.
     *
     * @throws UncheckedIOException if writing fails (the previous checkpoint stays intact)
     */
    @Override
    public void onEpoch(Trainer trainer) {
        try {
            Checkpoints.save(run, dir);
        } catch (IOException e) {
            throw new UncheckedIOException("could not write the checkpoint in " + dir, e);
        }
    }
}
