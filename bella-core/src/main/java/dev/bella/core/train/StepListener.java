package dev.bella.core.train;

import ai.djl.ndarray.NDArray;
import ai.djl.training.listener.TrainingListener;

/**
 * A {@link TrainingListener} that also sees each step's losses and gradients before the optimizer
 * applies them, so that it can stop a bad update (DJL's own {@code onTrainingBatch} runs after the
 * update).
 */
public interface StepListener extends TrainingListener {

    /**
     * Called after the backward pass and before the update rule and the optimizer run.
     *
     * @param step the step's model, number and loss gradients
     * @param particleLosses each particle's mean loss on the batch, {@code (n)}
     */
    void beforeUpdate(UpdateRule.StepGradients step, NDArray particleLosses);
}
