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
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.bella.metrics.ParticleProbabilities;
import dev.bella.metrics.ProbabilityMatrix;
import dev.bella.metrics.Uncertainty;
import dev.bella.metrics.UncertaintyScores;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The posterior predictive of SPEC §4 in functional form: the one place where Bella turns
 * per-sample outputs into a prediction with its uncertainty.
 *
 * <p>With \( p_s \) the class probabilities of sample (particle) \( s \), \( \bar p = \frac1S
 * \sum_s p_s \) is the predictive (the mean of probabilities, never the softmax of mean logits), \(
 * H[\bar p] \) the total uncertainty, \( \frac1S \sum_s H[p_s] \) its aleatoric part and their
 * difference the mutual information. Entropies are computed in double precision by {@code
 * dev.bella.metrics.Uncertainty}, in nats.
 */
public final class Predictive {

    private Predictive() {}

    /**
     * Returns each sample's softmax over the last axis.
     *
     * @param logits {@code (S, b, C)}
     * @return {@code (S, b, C)} probabilities, attached to {@code logits}' manager
     */
    public static NDArray probabilities(NDArray logits) {
        return logits.softmax(-1);
    }

    /**
     * Returns the posterior predictive \( \bar p \), the mean over samples.
     *
     * @param sampleProbabilities {@code (S, b, C)}
     * @return {@code (b, C)}
     */
    public static NDArray mean(NDArray sampleProbabilities) {
        return sampleProbabilities.mean(new int[] {0});
    }

    /**
     * Returns \( \log \bar p = \log \frac1S \sum_s \mathrm{softmax}(z_s) \) from logits, as a
     * log-sum-exp of the samples' log-softmax, so it never underflows. Differentiable.
     *
     * @param logits {@code (S, b, C)}
     * @return {@code (b, C)}
     */
    public static NDArray logMean(NDArray logits) {
        long s = logits.getShape().get(0);
        NDArray logp = logits.logSoftmax(-1);
        NDArray top = logp.max(new int[] {0}, true).stopGradient();
        return logp.sub(top).exp().sum(new int[] {0}).log().add(top.squeeze(0)).sub(Math.log(s));
    }

    /**
     * Returns, per input, the predicted class of the posterior predictive (the first argmax of \(
     * \bar p \)).
     *
     * @param logits {@code (S, b, C)}
     * @return {@code (b)} int64 class indices
     */
    public static NDArray predictedClasses(NDArray logits) {
        return mean(probabilities(logits)).argMax(-1).toType(DataType.INT64, false);
    }

    /**
     * Summarises per-sample probabilities into one {@link Prediction} per input.
     *
     * @param sampleProbabilities {@code (S, b, C)}, finite
     * @return one prediction per input, unmodifiable
     * @throws IllegalArgumentException if the shape is not {@code (S, b, C)}
     * @throws IllegalStateException if a probability is NaN or infinite (the model produced
     *     non-finite outputs)
     */
    public static List<Prediction> summarize(NDArray sampleProbabilities) {
        Shape shape = sampleProbabilities.getShape();
        if (shape.dimension() != 3) {
            throw new IllegalArgumentException(
                    "sample probabilities must have shape (samples, batch, classes), got " + shape);
        }
        int samples = Math.toIntExact(shape.get(0));
        int batch = Math.toIntExact(shape.get(1));
        int classes = Math.toIntExact(shape.get(2));
        float[] p = sampleProbabilities.toType(DataType.FLOAT32, false).toFloatArray();
        for (int i = 0; i < p.length; i++) {
            if (!Float.isFinite(p[i])) {
                int k = (i / classes) % batch;
                int s = i / (classes * batch);
                throw new IllegalStateException(
                        "the model produced non-finite outputs for input "
                                + k
                                + " (sample "
                                + s
                                + "): check the model's weights and the input's range");
            }
        }
        ParticleProbabilities probs = ParticleProbabilities.of(p, samples, batch, classes);
        ProbabilityMatrix mean = Uncertainty.posteriorPredictive(probs);
        UncertaintyScores scores = Uncertainty.of(probs);
        double[] entropy = scores.predictiveEntropy();
        double[] aleatoric = scores.aleatoric();
        double[] mi = scores.mutualInformation();
        List<Prediction> out = new ArrayList<>(batch);
        for (int k = 0; k < batch; k++) {
            double[] row = mean.row(k);
            int top = mean.argmax(k);
            out.add(new Prediction(row, top, row[top], entropy[k], aleatoric[k], mi[k]));
        }
        return Collections.unmodifiableList(out);
    }
}
