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
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.evaluator.AbstractAccuracy;
import ai.djl.util.Pair;
import dev.bella.core.posterior.Predictive;

/**
 * Accuracy of the posterior predictive: the class with the highest mean probability over particles,
 * \( \arg\max_y \frac{1}{n} \sum_i \mathrm{softmax}(z_i)_y \) (the mean of probabilities, never of
 * logits).
 *
 * <p>With per-particle labels {@code (n, b)} (each particle saw its own inputs) there is no shared
 * input to average over, and the value is the mean of the particles' own accuracies.
 */
public final class PosteriorAccuracy extends AbstractAccuracy {

    /** Creates the evaluator, named {@code "PosteriorAccuracy"}. */
    public PosteriorAccuracy() {
        super("PosteriorAccuracy");
    }

    @Override
    protected Pair<Long, NDArray> accuracyHelper(NDList labels, NDList predictions) {
        NDArray logits = predictions.singletonOrThrow();
        NDArray y = labels.singletonOrThrow();
        Shape s = logits.getShape();
        Shape ys = y.getShape();
        boolean shared = ys.dimension() == 1 && s.dimension() == 3 && ys.get(0) == s.get(1);
        boolean perParticle =
                ys.dimension() == 2
                        && s.dimension() == 3
                        && ys.get(0) == s.get(0)
                        && ys.get(1) == s.get(1);
        if (!shared && !perParticle) {
            throw new IllegalArgumentException(
                    "PosteriorAccuracy expects logits (particles, batch, classes) with labels"
                            + " (batch) or (particles, batch), got logits "
                            + s
                            + " and labels "
                            + ys
                            + "; for other outputs call ParticleTrainer.Builder.clearEvaluators()");
        }
        if (y.getShape().dimension() == 2) {
            NDArray correct =
                    logits.argMax(-1)
                            .toType(DataType.INT64, false)
                            .eq(y.toType(DataType.INT64, false));
            return new Pair<>(s.get(0) * s.get(1), correct.toType(DataType.INT64, false));
        }
        NDArray predicted = Predictive.predictedClasses(logits);
        NDArray correct = predicted.eq(y.toType(DataType.INT64, false));
        return new Pair<>(s.get(1), correct.toType(DataType.INT64, false));
    }
}
