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
package dev.bella.core.posterior;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A posterior over the adapter values of a frozen network, and the predictive it implies.
 *
 * <p>This is what training returns and what evaluation, FGSM ({@code
 * dev.bella.examples.robustness}) and the service ({@code dev.bella.core.serve}) consume: every
 * consumer calls these methods, none computes its own predictive. The predictive is the mean of the
 * samples' probabilities (SPEC §4), never the softmax of mean logits.
 *
 * <p>Implementations: {@link ParticlePosterior} (Bella's particles, by SVGD or as an ensemble), and
 * in {@code bella-baselines} the paper's other posteriors (among them a Dirichlet student, whose
 * uncertainty is in closed form: {@link #hasClosedFormUncertainty}). Thread safety: prediction
 * methods may be called from several threads at once, each with its own {@code NDManager} for
 * inputs; {@link #close} must not run concurrently with them.
 */
public interface Posterior extends AutoCloseable {

    /**
     * Returns each posterior sample's class probabilities (for particles: each particle's softmax).
     * The result is attached to the inputs' manager; it records gradients w.r.t. the inputs when
     * called inside a gradient collector on inputs that require them.
     *
     * @param inputs each {@code (b, ...)}
     * @return {@code (S, b, C)} probabilities, S the number of samples
     */
    NDArray sampleProbabilities(NDList inputs);

    /**
     * Returns the log of the posterior predictive, \( \log \frac{1}{S} \sum_s p_s(y \mid x) \),
     * computed stably (it does not underflow to \( -\infty \) where one sample is confident). It is
     * differentiable w.r.t. the inputs, which is what FGSM needs.
     *
     * @param inputs each {@code (b, ...)}
     * @return {@code (b, C)} log-probabilities, attached to the inputs' manager
     */
    NDArray logPredictive(NDList inputs);

    /**
     * Predicts with the uncertainty of each input: the posterior predictive, the predictive
     * entropy, its aleatoric part and the mutual information (SPEC §4).
     *
     * @param inputs each {@code (b, ...)}
     * @return one prediction per input, unmodifiable
     */
    default List<Prediction> predict(NDList inputs) {
        return Predictive.summarize(sampleProbabilities(inputs));
    }

    /**
     * Whether {@link #predict} computes the uncertainty in closed form rather than from the samples
     * of {@link #sampleProbabilities}: then the samples do not carry the epistemic part (a
     * Dirichlet student has one "sample", its predictive, and a closed-form mutual information),
     * and a consumer that scores uncertainty (an evaluation, a service) must read it from {@link
     * #predict}'s fields. Default {@code false}: the samples are the posterior's.
     *
     * @return {@code true} if the uncertainty is only in {@link #predict}
     */
    default boolean hasClosedFormUncertainty() {
        return false;
    }

    /**
     * Returns the number of posterior samples {@code S} a prediction averages over.
     *
     * @return {@code S}
     */
    int getSampleCount();

    /**
     * Returns the device the posterior's arrays live on; inputs to its prediction methods must be
     * on it (a service creates them there).
     *
     * @return the device
     */
    ai.djl.Device getDevice();

    /**
     * Returns how this posterior was made.
     *
     * @return the provenance
     */
    Provenance getProvenance();

    /**
     * Saves the posterior (not the frozen base) with its provenance to a directory, atomically.
     *
     * @param dir the directory, created if missing
     * @throws IOException if writing fails; an earlier save in {@code dir} stays intact
     */
    void save(Path dir) throws IOException;

    /** Frees the posterior's native memory; the frozen base is not touched. */
    @Override
    void close();
}
