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
package dev.bella.examples.robustness;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.util.Pair;
import dev.bella.core.posterior.ParticlePosterior;
import dev.bella.core.posterior.PointEstimate;
import dev.bella.core.posterior.Posterior;
import dev.bella.core.posterior.Predictive;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The fast gradient sign method (Goodfellow et al., 2015) against the posterior predictive (SPEC
 * §6):
 *
 * <p>\( x_{adv} = \mathrm{clip}_{[lo, hi]}\left(x + \epsilon\, \mathrm{sign}\, \nabla_x L\right),
 * \quad L = -\frac{1}{b} \sum_{k=1}^{b} \log \bar p(y_k \mid x_k), \quad \bar p = \frac{1}{n}
 * \sum_{i=1}^{n} \mathrm{softmax}(f_i(x)) \)
 *
 * <p>The attack is on the Bayesian model as a whole: the loss is the negative log-likelihood of the
 * mean of the particles' probabilities (not of any single particle, nor of the mean logits), all
 * particles computed in one batched forward pass. \( \log \bar p \) is the posterior's own {@link
 * Posterior#logPredictive}, a log-sum-exp of the particles' log-softmax that never underflows to \(
 * -\infty \).
 *
 * <p>A model is any {@link Posterior}: particles ({@link ParticlePosterior}), or one network as a
 * {@link PointEstimate}. It runs in inference mode ({@code training = false}).
 *
 * <p>Gradients are taken with respect to the input only. While the gradient is computed, every
 * model parameter that requires a gradient (the adapters while they are trained, or a plain block's
 * weights) is switched off and switched back on afterwards, so no gradient is accumulated into the
 * model. All intermediate arrays live in a sub-manager that is closed before returning; results are
 * attached to the input's manager.
 *
 * <p>Thread safety: PyTorch's DJL engine allows one {@link GradientCollector} at a time in the
 * whole process, so an attack must not run while a trainer steps or another attack runs; and, as
 * for any use of a model, not while the model is trained or closed.
 */
public final class Fgsm {

    private static final double[] DEFAULT_EPSILONS = {0.001, 0.005, 0.01, 0.03};

    private Fgsm() {}

    /**
     * Returns the perturbation sizes of the paper's FGSM table, {@code {0.001, 0.005, 0.01, 0.03}},
     * for inputs in {@code [0, 1]}.
     *
     * @return a new array
     */
    public static double[] defaultEpsilons() {
        return DEFAULT_EPSILONS.clone();
    }

    /**
     * Computes \( \nabla_x L \), the gradient of the mean negative log posterior-predictive
     * likelihood with respect to the input.
     *
     * @param model the posterior (particles, or a {@link PointEstimate} of a block with logits
     *     {@code (b, C)})
     * @param x the inputs {@code (b, ...)}, floating point
     * @param labels the true classes, shape {@code (b)}, integers in {@code [0, C)}
     * @return the gradient, shape of {@code x}, attached to {@code x}'s manager
     * @throws IllegalArgumentException if {@code x} is empty or not floating point, {@code labels}
     *     does not have shape {@code (b)} or holds a value outside {@code [0, C)}, or the model's
     *     output is not logits of the expected shape
     */
    public static NDArray lossGradient(Posterior model, NDArray x, NDArray labels) {
        long b = checkInputs(x, "x");
        long[] y = readLabels(labels, b, "x");
        try (NDManager scope = x.getManager().newSubManager()) {
            NDArray gradient = gradient(model, x, y, scope);
            gradient.attach(x.getManager());
            return gradient;
        }
    }

    /**
     * Perturbs a batch: \( \mathrm{clip}_{[lo, hi]}(x + \epsilon\, \mathrm{sign}\, \nabla_x L) \).
     * A zero gradient component leaves its value unchanged; {@code eps = 0} returns {@code clip(x,
     * lo, hi)} without running the model.
     *
     * @param model the posterior (particles, or a {@link PointEstimate} of a block with logits
     *     {@code (b, C)})
     * @param x the inputs {@code (b, ...)}, floating point
     * @param labels the true classes, shape {@code (b)}, integers in {@code [0, C)}
     * @param eps the perturbation size in input units, finite and {@code >= 0}
     * @param lo the lowest valid input value (0 for images in {@code [0, 1]})
     * @param hi the highest valid input value, {@code > lo} (infinite bounds mean no clipping)
     * @return the perturbed inputs, a new array attached to {@code x}'s manager
     * @throws IllegalArgumentException for a negative, infinite or NaN {@code eps}, {@code lo >=
     *     hi} or NaN bounds, or the conditions of {@link #lossGradient}
     */
    public static NDArray attack(
            Posterior model, NDArray x, NDArray labels, double eps, double lo, double hi) {
        checkEpsilon(eps, "eps");
        checkBounds(lo, hi);
        long b = checkInputs(x, "x");
        long[] y = readLabels(labels, b, "x");
        try (NDManager scope = x.getManager().newSubManager()) {
            NDArray xs = copyInto(x, scope);
            NDArray adv;
            if (eps == 0) {
                adv = xs.clip(lo, hi);
            } else {
                NDArray sign = gradient(model, xs, y, scope).sign();
                adv = xs.add(sign.mul(eps)).clip(lo, hi);
            }
            adv.attach(x.getManager());
            return adv;
        }
    }

    /**
     * Accuracy of the posterior predictive on FGSM-perturbed images with {@link #defaultEpsilons()}
     * and the valid range {@code [0, 1]}.
     *
     * @param model the posterior (particles, or a {@link PointEstimate} of a block with logits
     *     {@code (b, C)})
     * @param images the inputs {@code (N, ...)}, floating point, values in {@code [0, 1]}
     * @param labels the true classes, shape {@code (N)}
     * @param batchSize how many images to attack at once, {@code >= 1}
     * @return the accuracy per epsilon
     * @throws IllegalArgumentException as {@link #accuracyCurve(Posterior, NDArray, NDArray,
     *     double[], double, double, int)}
     */
    public static FgsmCurve accuracyCurve(
            Posterior model, NDArray images, NDArray labels, int batchSize) {
        return accuracyCurve(model, images, labels, DEFAULT_EPSILONS, 0, 1, batchSize);
    }

    /**
     * Accuracy of the posterior predictive (the argmax of \( \bar p \)) on FGSM-perturbed images,
     * for several perturbation sizes. The gradient of each batch is computed once and reused for
     * every epsilon (FGSM's direction does not depend on epsilon); include {@code 0} among the
     * epsilons for the clean accuracy.
     *
     * @param model the posterior (particles, or a {@link PointEstimate} of a block with logits
     *     {@code (b, C)})
     * @param images the inputs {@code (N, ...)}, floating point
     * @param labels the true classes, shape {@code (N)}, integers in {@code [0, C)}
     * @param epsilons the perturbation sizes, each finite and {@code >= 0}, at least one
     * @param lo the lowest valid input value
     * @param hi the highest valid input value, {@code > lo}
     * @param batchSize how many images to attack at once, {@code >= 1}
     * @return the accuracy per epsilon, in the order given
     * @throws IllegalArgumentException for empty or invalid epsilons, bad bounds, {@code batchSize
     *     < 1}, empty images, or the conditions of {@link #lossGradient}
     */
    public static FgsmCurve accuracyCurve(
            Posterior model,
            NDArray images,
            NDArray labels,
            double[] epsilons,
            double lo,
            double hi,
            int batchSize) {
        if (epsilons == null || epsilons.length == 0) {
            throw new IllegalArgumentException(
                    "epsilons must hold at least one value, got "
                            + Arrays.toString(epsilons)
                            + "; Fgsm.defaultEpsilons() gives the paper's");
        }
        for (int e = 0; e < epsilons.length; e++) {
            checkEpsilon(epsilons[e], "epsilons[" + e + "]");
        }
        checkBounds(lo, hi);
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
        }
        long n = checkInputs(images, "images");
        long[] y = readLabels(labels, n, "images");
        long[] correct = new long[epsilons.length];
        for (long from = 0; from < n; from += batchSize) {
            long to = Math.min(n, from + batchSize);
            long[] yb = Arrays.copyOfRange(y, (int) from, (int) to);
            try (NDManager scope = images.getManager().newSubManager()) {
                NDArray xb = images.get(new NDIndex("{}:{}", from, to));
                xb.attach(scope);
                NDArray sign = gradient(model, xb, yb, scope).sign();
                for (int e = 0; e < epsilons.length; e++) {
                    NDArray adv = xb.add(sign.mul(epsilons[e])).clip(lo, hi);
                    long[] predicted =
                            Predictive.mean(model.sampleProbabilities(new NDList(adv)))
                                    .argMax(1)
                                    .toLongArray();
                    for (int k = 0; k < predicted.length; k++) {
                        if (predicted[k] == yb[k]) {
                            correct[e]++;
                        }
                    }
                }
            }
        }
        List<Double> eps = new ArrayList<>(epsilons.length);
        List<Double> acc = new ArrayList<>(epsilons.length);
        for (int e = 0; e < epsilons.length; e++) {
            eps.add(epsilons[e]);
            acc.add(correct[e] / (double) n);
        }
        return new FgsmCurve(eps, acc, n, lo, hi);
    }

    // ----------------------------------------------------------------------------------------

    /** The input gradient of the loss, in {@code scope}; {@code x} is copied, not modified. */
    private static NDArray gradient(Posterior model, NDArray x, long[] labels, NDManager scope) {
        NDArray input = copyInto(x, scope);
        List<NDArray> suspended = suspendParameterGradients(model);
        try {
            try (GradientCollector collector = scope.getEngine().newGradientCollector()) {
                input.setRequiresGradient(true);
                NDArray logPredictive = model.logPredictive(new NDList(input));
                NDArray loss = meanNegativeLogLikelihood(logPredictive, labels, scope);
                collector.backward(loss);
            }
            return input.getGradient();
        } finally {
            for (NDArray a : suspended) {
                a.setRequiresGradient(true);
            }
        }
    }

    /** Switches off every parameter array that records gradients; returns them for restoring. */
    /**
     * Stops recording gradients for the posterior's parameters during the attack (so that it does
     * not add to a training run's gradients), returning the arrays to switch back on.
     */
    private static List<NDArray> suspendParameterGradients(Posterior model) {
        Block block =
                model instanceof ParticlePosterior
                        ? ((ParticlePosterior) model).getParticles()
                        : model instanceof PointEstimate
                                ? ((PointEstimate) model).getBlock()
                                : null;
        List<NDArray> suspended = new ArrayList<>();
        if (block == null) {
            return suspended;
        }
        for (Pair<String, Parameter> p : block.getParameters()) {
            Parameter parameter = p.getValue();
            if (parameter.isInitialized() && parameter.getArray().hasGradient()) {
                NDArray array = parameter.getArray();
                array.setRequiresGradient(false);
                suspended.add(array);
            }
        }
        return suspended;
    }

    /**
     * \( -\frac{1}{b} \sum_k \log \bar p(y_k \mid x_k) \) from the log predictive {@code (b, C)}.
     */
    private static NDArray meanNegativeLogLikelihood(
            NDArray logPredictive, long[] labels, NDManager scope) {
        int classes = Math.toIntExact(logPredictive.getShape().get(1));
        for (int k = 0; k < labels.length; k++) {
            if (labels[k] >= classes) {
                throw new IllegalArgumentException(
                        "labels["
                                + k
                                + "] = "
                                + labels[k]
                                + " is not a class of the model's "
                                + classes
                                + " (expected 0.."
                                + (classes - 1)
                                + ")");
            }
        }
        NDArray oneHot =
                scope.create(labels).oneHot(classes).toType(logPredictive.getDataType(), false);
        return logPredictive.mul(oneHot).sum(new int[] {1}).mean().neg();
    }

    private static NDArray copyInto(NDArray x, NDManager scope) {
        NDArray copy = x.duplicate();
        copy.attach(scope);
        return copy;
    }

    private static long checkInputs(NDArray x, String name) {
        Shape s = x.getShape();
        if (s.dimension() < 1 || s.get(0) < 1) {
            throw new IllegalArgumentException(
                    name + " must have shape (b, ...) with b >= 1, got " + s);
        }
        if (!x.getDataType().isFloating()) {
            throw new IllegalArgumentException(
                    name + " must be floating point, got data type " + x.getDataType());
        }
        if (s.get(0) > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(
                    name + " has too many examples for one call: " + s.get(0));
        }
        return s.get(0);
    }

    private static long[] readLabels(NDArray labels, long b, String inputName) {
        Shape s = labels.getShape();
        if (s.dimension() != 1 || s.get(0) != b) {
            throw new IllegalArgumentException(
                    "labels must have shape ("
                            + b
                            + ") to match the batch of "
                            + inputName
                            + ", got "
                            + s);
        }
        DataType type = labels.getDataType();
        long[] y = new long[(int) b];
        if (type == DataType.INT64) {
            y = labels.toLongArray();
        } else if (type.isInteger()) {
            try (NDArray asLong = labels.toType(DataType.INT64, true)) {
                y = asLong.toLongArray();
            }
        } else if (type.isFloating()) {
            try (NDArray asDouble = labels.toType(DataType.FLOAT64, true)) {
                double[] v = asDouble.toDoubleArray();
                for (int k = 0; k < v.length; k++) {
                    if (v[k] != Math.rint(v[k])) {
                        throw new IllegalArgumentException(
                                "labels must hold class indices, got labels[" + k + "] = " + v[k]);
                    }
                    y[k] = (long) v[k];
                }
            }
        } else {
            throw new IllegalArgumentException(
                    "labels must hold integer class indices, got data type " + type);
        }
        for (int k = 0; k < y.length; k++) {
            if (y[k] < 0) {
                throw new IllegalArgumentException(
                        "labels must be class indices >= 0, got labels[" + k + "] = " + y[k]);
            }
        }
        return y;
    }

    private static void checkEpsilon(double eps, String name) {
        if (!(eps >= 0) || Double.isInfinite(eps)) {
            throw new IllegalArgumentException(name + " must be finite and >= 0, got " + eps);
        }
    }

    private static void checkBounds(double lo, double hi) {
        if (!(lo < hi)) {
            throw new IllegalArgumentException(
                    "the valid range needs lo < hi, got lo = " + lo + ", hi = " + hi);
        }
    }
}
