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
