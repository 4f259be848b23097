package dev.bella.core.train;

import ai.djl.training.Trainer;
import ai.djl.training.listener.TrainingListenerAdapter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * Saves a {@link Checkpoints checkpoint} (adapters, optimizer state, position) after every epoch,
 * atomically. Added by {@link ParticleTrainer} when a checkpoint directory is set.
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
    public CheckpointListener(TrainingRun run, Path dir) {
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
