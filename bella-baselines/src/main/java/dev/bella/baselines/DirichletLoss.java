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
package dev.bella.baselines;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.bella.core.train.ParticleLoss;
import java.util.Locale;

/**
 * The distillation loss of a Dirichlet student (SPEC §9): the negative Dirichlet log-likelihood of
 * the teacher's samples, per example and per teacher sample,
 *
 * <p>\[ \ell(x) = -\frac1M \sum_{m=1}^M \left[ \log\Gamma(\alpha_0) - \sum_c \log\Gamma(\alpha_c) +
 * \sum_c (\alpha_c - 1) \log \tilde p^{(m)}_c \right], \qquad \alpha = \exp z(x), \]
 *
 * <p>averaged over the batch; \( z \) are the student's outputs (log-concentrations) and \( p^{(m)}
 * \) the teacher's \( M \) sample probabilities for \( x \). SPEC's \( L \) is the sum over \( m
 * \): dividing by \( M \) keeps the scale of the loss (and of the learning rate) independent of the
 * teacher's sample count, and does not move the optimum. Since the \( \log p \) enter linearly,
 * only their mean over the samples is needed, \( \overline{\log \tilde p}_c = \frac1M \sum_m \log
 * \tilde p^{(m)}_c \).
 *
 * <p><b>Clamping.</b> A teacher's softmax can round to exactly 0 in float32, and \( \log 0 =
 * -\infty \) would make the loss infinite. The samples are smoothed towards the centre of the
 * simplex before the logarithm, \( \tilde p = (1 - \varepsilon) p + \varepsilon / C \) (the
 * "central smoothing" of Malinin et al.'s ensemble distribution distillation), so every \( \tilde
 * p_c \ge \varepsilon / C \) and \( \tilde p \) still sums to 1. Default \( \varepsilon = \)
 * {@value #DEFAULT_SMOOTHING}: \( \log \tilde p_c \ge \log(10^{-4} / C) \), about \( -11.5 \) for
 * \( C = 10 \); probabilities above \( 10^{-3} \) move by at most 10 %.
 *
 * <p>Computed in double precision (the log-gamma terms of large concentrations cancel) and returned
 * in float64 (DJL's {@code toType} would cut the autograd graph). Labels: the teacher's samples as
 * shared labels {@code (b, M, C)}, probabilities in {@code [0, 1]}, checked by {@link #checkLabels}
 * with a message naming the first bad one.
 */
public final class DirichletLoss extends ParticleLoss {

    /** The default central smoothing \( \varepsilon \) of the teacher's samples. */
    public static final double DEFAULT_SMOOTHING = 1e-4;

    private final double smoothing;

    private DirichletLoss(double smoothing) {
        super("dirichlet_nll");
        this.smoothing = smoothing;
    }

    /**
     * The loss with the default smoothing {@value #DEFAULT_SMOOTHING}.
     *
     * @return the loss
     */
    public static DirichletLoss create() {
        return of(DEFAULT_SMOOTHING);
    }

    /**
     * The loss with a chosen central smoothing of the teacher's samples.
     *
     * @param smoothing \( \varepsilon \in (0, 1) \)
     * @return the loss
     * @throws IllegalArgumentException if {@code smoothing} is not in {@code (0, 1)}
     */
    public static DirichletLoss of(double smoothing) {
        if (!(smoothing > 0 && smoothing < 1)) {
            throw new IllegalArgumentException(
                    "the smoothing of the teacher's samples should be in (0, 1) but the value"
                            + " passed is "
                            + smoothing);
        }
        return new DirichletLoss(smoothing);
    }

    /**
     * Returns the central smoothing \( \varepsilon \).
     *
     * @return \( \varepsilon \)
     */
    public double getSmoothing() {
        return smoothing;
    }

    /**
     * The per-example loss \( \ell(x) \) in functional form: differentiable w.r.t. {@code z}.
     *
     * @param z the student's log-concentrations {@code (n, b, C)} (any float type)
     * @param teacherSamples the teacher's sample probabilities {@code (b, M, C)}
     * @param smoothing the central smoothing \( \varepsilon \in (0, 1) \)
     * @return {@code (n, b)} float64: the negative log-likelihood per example, averaged over the
     *     teacher's samples
     */
    public static NDArray negativeLogLikelihood(
            NDArray z, NDArray teacherSamples, double smoothing) {
        NDArray meanLogP = meanLogSmoothed(teacherSamples, smoothing); // (b, C), no gradient
        NDArray alpha = toDouble(z).exp(); // (n, b, C)
        NDArray a0 = alpha.sum(new int[] {2}); // (n, b)
        NDArray ll =
                a0.gammaln()
                        .sub(alpha.gammaln().sum(new int[] {2}))
                        .add(alpha.mul(meanLogP).sum(new int[] {2}))
                        .sub(meanLogP.sum(new int[] {1}));
        return ll.neg();
    }

    /**
     * Casts to float64 on a differentiable path. DJL's {@code toType} in the PyTorch engine (0.36)
     * detaches its result from the autograd graph, so the cast is done by adding a float64 zero
     * (PyTorch promotes {@code float32 + float64} to float64 and differentiates through it).
     */
    private static NDArray toDouble(NDArray x) {
        if (x.getDataType() == DataType.FLOAT64) {
            return x;
        }
        try (NDArray zero = x.getManager().zeros(new Shape(), DataType.FLOAT64)) {
            return x.add(zero);
        }
    }

    /**
     * \( \frac1M \sum_m \log \tilde p^{(m)} \) with the central smoothing.
     *
     * @param teacherSamples {@code (b, M, C)}
     * @param smoothing \( \varepsilon \)
     * @return {@code (b, C)} float64, without gradient
     */
    static NDArray meanLogSmoothed(NDArray teacherSamples, double smoothing) {
        long classes = teacherSamples.getShape().get(2);
        return teacherSamples
                .stopGradient()
                .toType(DataType.FLOAT64, false)
                .mul(1 - smoothing)
                .add(smoothing / classes)
                .log()
                .mean(new int[] {1});
    }

    @Override
    public NDArray perParticle(NDList labels, NDList predictions) {
        NDArray z = predictions.singletonOrThrow();
        checkShapes(labels.singletonOrThrow().getShape(), z.getShape());
        NDArray nll = negativeLogLikelihood(z, labels.singletonOrThrow(), smoothing);
        // float64: casting back with toType would detach it from the graph.
        return nll.mean(new int[] {1});
    }

    /**
     * The mean over particles of {@link #perParticle}, in float32 for DJL's loss accumulators (not
     * on the differentiated path: the trainer differentiates {@link #perParticle}).
     *
     * @param labels the teacher's samples {@code (b, M, C)}
     * @param predictions {@code (n, b, C)} log-concentrations
     * @return a float32 scalar
     */
    @Override
    public NDArray evaluate(NDList labels, NDList predictions) {
        return perParticle(labels, predictions).mean().toType(DataType.FLOAT32, false);
    }

    /**
     * Requires the labels to be the teacher's samples for the batch, {@code (b, M, C)}, with every
     * value a probability in {@code [0, 1]} (one read-back of the labels).
     *
     * @param labels {@code (b, M, C)}
     * @param predictions {@code (n, b, C)} log-concentrations
     * @throws IllegalArgumentException naming the shape, or the first bad value with its example,
     *     sample and class
     */
    @Override
    public void checkLabels(NDList labels, NDList predictions) {
        NDArray y = labels.singletonOrThrow();
        Shape s = y.getShape();
        checkShapes(s, predictions.singletonOrThrow().getShape());
        float[] v = y.toType(DataType.FLOAT32, false).toFloatArray();
        long m = s.get(1);
        long c = s.get(2);
        for (int i = 0; i < v.length; i++) {
            if (!(v[i] >= 0 && v[i] <= 1)) {
                throw new IllegalArgumentException(
                        String.format(
                                Locale.ROOT,
                                "teacher sample %d of example %d has probability %s for class %d:"
                                        + " expected a probability in [0, 1]",
                                (i / c) % m,
                                i / (c * m),
                                v[i],
                                i % c));
            }
        }
    }

    private static void checkShapes(Shape labels, Shape predictions) {
        if (predictions.dimension() != 3) {
            throw new IllegalArgumentException(
                    "expected log-concentrations of shape (particles, batch, classes), got "
                            + predictions);
        }
        if (labels.dimension() != 3
                || labels.get(0) != predictions.get(1)
                || labels.get(2) != predictions.get(2)
                || labels.get(1) < 1) {
            throw new IllegalArgumentException(
                    "the teacher's samples must have shape (batch, samples, classes) = ("
                            + predictions.get(1)
                            + ", M, "
                            + predictions.get(2)
                            + ") for log-concentrations of shape "
                            + predictions
                            + ", got "
                            + labels);
        }
    }
}
