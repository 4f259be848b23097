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
import dev.bella.core.ParticleBlock;
import java.util.Map;

/**
 * How a training step turns the particles' loss gradients into the gradients handed to the
 * optimizer: the one pluggable piece of {@link ParticleTrainer}.
 *
 * <p>The trainer owns everything else (data order, forward and backward passes, the prior, the
 * optimizer, listeners, checkpoints). Rules in this library: the independent ensemble ({@code
 * dev.bella.ensemble.EnsembleRule}: each particle follows its own gradient) and SVGD ({@code
 * dev.bella.svgd.SvgdRule}: the kernel-smoothed gradients plus a repulsion). A new posterior method
 * that changes only the update direction (for example Langevin noise) is one class implementing
 * this interface.
 *
 * <p>Implementations must be immutable and thread-safe; one instance may serve several fits.
 */
public interface UpdateRule {

    /**
     * Returns the rule's short name, recorded as the method of the trained posterior and checked
     * when a checkpoint is resumed, e.g. {@code "svgd"}.
     *
     * @return the name
     */
    String name();

    /**
     * Returns the rule's settings as text, recorded in the posterior's provenance.
     *
     * @return an ordered map, possibly empty
     */
    Map<String, String> settings();

    /**
     * Called once before the first step of a fit, e.g. to warn about a configuration that the rule
     * handles poorly.
     *
     * @param model the particles about to be trained
     */
    default void prepare(ParticleBlock model) {}

    /**
     * Computes the gradients to hand to the optimizer for this step.
     *
     * @param step the model, the step number and each particle tensor's loss gradient (by {@link
     *     dev.bella.core.AdapterNames full name}, stacked over the particles)
     * @return one gradient per tensor of {@code step.gradients()}, under the same names and shapes
     *     (a rule may return the loss gradients themselves; arrays it creates are freed by the
     *     trainer after the update), and the step's diagnostics
     */
    Update update(StepGradients step);

    /**
     * The input of one {@link #update}.
     *
     * @param model the particles being trained
     * @param step the 0-based optimizer step
     * @param gradients each particle tensor's loss gradient by full name, in the order of {@link
     *     ParticleBlock#getParticleParameters()}, finite
     */
    record StepGradients(ParticleBlock model, long step, Map<String, NDArray> gradients) {}

    /**
     * The output of one {@link #update}.
     *
     * @param gradients the gradient to hand the optimizer, by full name
     * @param diagnostics numbers to average per epoch and log (e.g. a kernel bandwidth), possibly
     *     empty
     */
    record Update(Map<String, NDArray> gradients, Map<String, Double> diagnostics) {}
}
