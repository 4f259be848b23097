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
import ai.djl.training.loss.Loss;

/**
 * A loss evaluated for every particle at once.
 *
 * <p>Predictions have the particles on the first axis, {@code (n, b, ...)}; labels are either
 * shared {@code (b, ...)} (every particle saw the same inputs) or per particle {@code (n, b, ...)}.
 * {@link #perParticle} returns each particle's mean loss over its batch, shape {@code (n)}; as a
 * DJL {@link Loss} (for logging and evaluators) the value is the mean over particles.
 */
public abstract class ParticleLoss extends Loss {

    /**
     * Creates a loss with a name for logs.
     *
     * @param name the display name
     */
    protected ParticleLoss(String name) {
        super(name);
    }

    /**
     * The softmax cross-entropy of integer class labels, in nats: \( -\log \mathrm{softmax}(z)_y \)
     * per example, averaged over each particle's batch.
     *
     * @return the loss
     */
    public static ParticleLoss softmaxCrossEntropy() {
        return new ParticleLoss("particle_cross_entropy") {
            @Override
            public void checkLabels(NDList labels, NDList predictions) {
                Shape s = predictions.singletonOrThrow().getShape();
                if (s.dimension() != 3) {
                    throw new IllegalArgumentException(
                            "expected logits of shape (particles, batch, classes), got " + s);
                }
                checkClassIndices(labels.singletonOrThrow(), s.get(2));
            }

            @Override
            public NDArray perParticle(NDList labels, NDList predictions) {
                NDArray logits = predictions.singletonOrThrow();
                Shape s = logits.getShape();
                if (s.dimension() != 3) {
                    throw new IllegalArgumentException(
                            "expected logits of shape (particles, batch, classes), got " + s);
                }
                NDArray y = sharedOrPerParticle(labels.singletonOrThrow(), s.get(0), s.get(1));
                NDArray logp = logits.logSoftmax(-1);
                NDArray picked = y.oneHot(Math.toIntExact(s.get(2)), logp.getDataType());
                return picked.mul(logp).sum(new int[] {2}).neg().mean(new int[] {1});
            }
        };
    }

    /**
     * Checks a batch's labels against the model's output before the loss is computed, so that a bad
     * label is refused with a message naming it rather than reaching the engine (where an
     * out-of-range class index is a bare {@code EngineException} and a fractional one is silently
     * truncated). {@link ParticleTrainer} calls it on every training and validation batch, right
     * after the forward pass (the number of classes is known from the output) and before the loss
     * and the backward pass, and adds the step to the message.
     *
     * <p>The default accepts every label (for losses whose labels are not class indices); {@link
     * #softmaxCrossEntropy()} requires finite integral class indices in {@code [0, C)}.
     *
     * @param labels shared {@code (b, ...)} or per-particle {@code (n, b, ...)} labels
     * @param predictions {@code (n, b, ...)}
     * @throws IllegalArgumentException naming the first bad label, its example's index in the batch
     *     and what was expected
     */
    public void checkLabels(NDList labels, NDList predictions) {}

    /**
     * Requires every label to be a finite integral class index in {@code [0, classes)}: one
     * read-back of the labels.
     *
     * @param labels {@code (b)} shared or {@code (n, b)} per-particle labels, any numeric type
     * @param classes the number of classes {@code C}
     * @throws IllegalArgumentException naming the first bad label and its example's index in the
     *     batch (and the particle, for per-particle labels)
     */
    protected static void checkClassIndices(NDArray labels, long classes) {
        Shape s = labels.getShape();
        double[] y = labels.toType(DataType.FLOAT64, false).toDoubleArray();
        long batch = s.dimension() == 0 ? 1 : s.get(s.dimension() - 1);
        for (int i = 0; i < y.length; i++) {
            double v = y[i];
            if (Double.isFinite(v) && v == Math.rint(v) && v >= 0 && v < classes) {
                continue;
            }
            String what =
                    !Double.isFinite(v)
                            ? "is not finite"
                            : v != Math.rint(v)
                                    ? "is not an integer (it would be truncated)"
                                    : "is out of range";
            String where =
                    s.dimension() >= 2
                            ? "example " + (i % batch) + " of particle " + (i / batch) + "'s batch"
                            : "example " + i + " of the batch";
            throw new IllegalArgumentException(
                    "the label of "
                            + where
                            + " is "
                            + (labels.getDataType().isFloating()
                                    ? Float.toString((float) v)
                                    : Long.toString((long) v))
                            + ", which "
                            + what
                            + ": expected a class index, an integer in [0, "
                            + classes
                            + ")");
        }
    }

    /**
     * Returns each particle's mean loss over its batch.
     *
     * @param labels shared {@code (b, ...)} or per-particle {@code (n, b, ...)} labels
     * @param predictions {@code (n, b, ...)}
     * @return shape {@code (n)}
     */
    public abstract NDArray perParticle(NDList labels, NDList predictions);

    /** The mean over particles of {@link #perParticle}, as DJL's evaluators expect. */
    @Override
    public NDArray evaluate(NDList labels, NDList predictions) {
        return perParticle(labels, predictions).mean();
    }

    /**
     * Broadcasts shared labels {@code (b)} to {@code (n, b)}; passes per-particle labels through.
     *
     * @param labels {@code (b)} or {@code (n, b)}
     * @param particles {@code n}
     * @param batch {@code b}
     * @return {@code (n, b)}
     */
    protected static NDArray sharedOrPerParticle(NDArray labels, long particles, long batch) {
        Shape s = labels.getShape();
        if (s.equals(new Shape(batch))) {
            return labels.expandDims(0).broadcast(new Shape(particles, batch));
        }
        if (s.equals(new Shape(particles, batch))) {
            return labels;
        }
        throw new IllegalArgumentException(
                "labels of shape "
                        + s
                        + " fit neither the shared ("
                        + batch
                        + ") nor the per-particle ("
                        + particles
                        + ", "
                        + batch
                        + ") layout");
    }
}
