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
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.listener.TrainingListenerAdapter;
import java.nio.file.Path;
import java.util.Map;

/**
 * Stops training before a step with a NaN or infinite loss or gradient is applied, with a {@link
 * TrainingDivergedException} naming the particle, the tensor, the step and the last good
 * checkpoint. Added by {@link ParticleTrainer} to every fit.
 *
 * <p>Each gradient is checked with one reduction per particle (a sum is finite only if every
 * element is, or it overflowed, which is as bad), and one read-back.
 */
public final class DivergenceGuard extends TrainingListenerAdapter implements StepListener {

    private final Path checkpointDir;

    /**
     * Creates a guard.
     *
     * @param checkpointDir the fit's checkpoint directory, named in the error, or {@code null}
     */
    public DivergenceGuard(Path checkpointDir) {
        this.checkpointDir = checkpointDir;
    }

    @Override
    public void beforeUpdate(UpdateRule.StepGradients step, NDArray particleLosses) {
        float[] values = particleLosses.toType(DataType.FLOAT32, false).toFloatArray();
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                throw diverged("the loss of particle " + i + " is " + values[i], step.step());
            }
        }
        for (Map.Entry<String, NDArray> e : step.gradients().entrySet()) {
            checkGradient(e.getValue(), e.getKey(), step.step());
        }
    }

    private void checkGradient(NDArray grad, String name, long step) {
        long n = grad.getShape().get(0);
        float[] sums;
        try (NDManager scope = grad.getManager().newSubManager()) {
            scope.tempAttachAll(grad);
            sums =
                    grad.reshape(n, -1)
                            .sum(new int[] {1})
                            .toType(DataType.FLOAT32, false)
                            .toFloatArray();
        }
        for (int i = 0; i < sums.length; i++) {
            if (!Float.isFinite(sums[i])) {
                throw diverged(
                        "the gradient of particle "
                                + i
                                + " w.r.t. "
                                + name
                                + " has NaN or infinite values",
                        step);
            }
        }
    }

    private TrainingDivergedException diverged(String what, long step) {
        String where =
                checkpointDir == null
                        ? "no checkpoint directory was set"
                        : "the last good checkpoint is in " + checkpointDir;
        return new TrainingDivergedException(
                what
                        + " at step "
                        + step
                        + "; the update was not applied and "
                        + where
                        + " (lower the learning rate or clip gradients)");
    }
}
