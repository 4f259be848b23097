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
package dev.bella.svgd;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One SVGD step over low-rank particles (SPEC §2): given every particle's factors and loss
 * gradients, returns the update direction
 *
 * <p>\[ \phi_i = \frac{1}{n} \sum_j k_{ij} \, (-\nabla L_j) + \gamma \, \frac{1}{n} \sum_j
 * \left(-\nabla_{\theta_i} k(\theta_i, \theta_j)\right) \]
 *
 * <p>(the driving term plus \( \gamma \) times the repulsion) for each adapted layer, with the
 * kernel of {@link LowRankKernel}. \( L_j \) is particle \( j \)'s objective as the trainer scales
 * it ({@code dev.bella.core.train.Objective}: by default the mean loss plus the prior over \( N \),
 * on which the paper's \( \gamma \) acts); \( \nabla \) is taken w.r.t. that particle's own \( A \)
 * and \( B \).
 *
 * <ul>
 *   <li>{@link #builder()}{@code .optGamma(0.01)}: the repulsion weight \( \gamma \ge 0 \) (0.01 by
 *       default, as in the paper).
 *   <li>{@code .optDrivingTerm(...)}: {@link DrivingTerm#KERNEL_SMOOTHED} (default, SVGD) or {@link
 *       DrivingTerm#OWN_GRADIENT} (repulsive ensemble). With {@code OWN_GRADIENT} and \( \gamma = 0
 *       \) the repulsion is not computed and \( \phi_i = -\nabla L_i \) exactly, bit for bit: an
 *       ensemble.
 *   <li>{@code .optRepulsion(...)}: {@link Repulsion#KERNEL_GRADIENT} (default, SPEC §2 as written)
 *       or {@link Repulsion#STEIN} (Liu &amp; Wang's exact Stein term for this kernel).
 *   <li>{@code .optBandwidth(...)}: {@link Bandwidth#median()} by default.
 * </ul>
 *
 * <p><b>One particle.</b> With \( n = 1 \) the kernel is \( [1] \), the repulsion is 0 and \(
 * \phi_1 = -\nabla L_1 \): SVGD reduces to MAP estimation (gradient descent on the negative log
 * posterior). It works, and logs a warning once per instance.
 *
 * <p><b>Cost per step</b> (per layer, \( p = r (d_{in} + d_{out}) \)): the two Gram GEMMs, \( 4 (n
 * r)^2 (d_{in} + d_{out}) \) FLOPs; the smoothed driving term \( 2 n^2 p \); the {@code
 * KERNEL_GRADIENT} repulsion another \( 4 (n r)^2 (d_{in} + d_{out}) \), the {@code STEIN} one
 * about \( 6 n^2 p \). The \( d_{in} \times d_{out} \) matrices are never formed.
 *
 * <p>Instances are immutable and thread-safe. The inputs are only read; the returned arrays belong
 * to the manager of the first layer's {@code a} (intermediates are freed before returning). Call it
 * outside a {@code GradientCollector}: the update is not differentiated.
 */
public final class LowRankSvgd {

    private static final Logger logger = LoggerFactory.getLogger(LowRankSvgd.class);

    private final double gamma;
    private final DrivingTerm drivingTerm;
    private final Repulsion repulsion;
    private final Bandwidth bandwidth;
    private final AtomicBoolean warnedSingleParticle = new AtomicBoolean();

    private LowRankSvgd(Builder builder) {
        this.gamma = builder.gamma;
        this.drivingTerm = builder.drivingTerm;
        this.repulsion = builder.repulsion;
        this.bandwidth = builder.bandwidth;
    }

    /**
     * Returns a builder with the defaults \( \gamma = 0.01 \), {@link DrivingTerm#KERNEL_SMOOTHED},
     * {@link Repulsion#KERNEL_GRADIENT} and {@link Bandwidth#median()}.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Computes \( \phi \) for every layer.
     *
     * @param particles the factors of each adapted layer (all with the same \( n \) and data type)
     * @param lossGradients for each layer, \( \partial L_i / \partial A_i \) and \( \partial L_i /
     *     \partial B_i \) stacked over the particles, shaped and typed like that layer's factors
     * @return \( \phi \) per layer and the kernel of this step
     * @throws IllegalArgumentException if the layers disagree on \( n \) or the data type, the
     *     gradients do not match the factors in number, shape or data type, or a factor or gradient
     *     is NaN or infinite (the message names the layer and the particle)
     */
    public SvgdUpdate update(List<LowRankFactors> particles, List<FactorPair> lossGradients) {
        return update(particles, lossGradients, List.of(), List.of());
    }

    /**
     * Computes \( \phi \) for low-rank layers and for full-rank particle tensors together: one
     * kernel over \( \theta_i \) = all of particle \( i \)'s parameters, with \( D_{ij} \) the sum
     * of the low-rank perturbation distances (trace trick) and the squared Euclidean distances \(
     * \|x_i - x_j\|^2 \) of the full-rank tensors (a per-particle head, or every weight of a
     * full-rank baseline). For a full-rank tensor the repulsion is \( \frac{1}{n} \sum_j k_{ij}
     * (x_i - x_j) / h^2 \), where the Stein and kernel-gradient forms coincide.
     *
     * @param particles the factors of each adapted layer, possibly empty
     * @param lossGradients their loss gradients, one pair per layer
     * @param fullRank full-rank particle tensors, each {@code (n, ...)}, possibly empty
     * @param fullRankGradients their loss gradients, shaped and typed alike
     * @return \( \phi \) per low-rank layer and per full-rank tensor, and the kernel
     * @throws IllegalArgumentException if both lists are empty, the particle counts, shapes or data
     *     types disagree, or a value is NaN or infinite
     */
    public SvgdUpdate update(
            List<LowRankFactors> particles,
            List<FactorPair> lossGradients,
            List<NDArray> fullRank,
            List<NDArray> fullRankGradients) {
        Objects.requireNonNull(fullRank, "fullRank");
        Objects.requireNonNull(fullRankGradients, "fullRankGradients");
        if (particles.isEmpty() && fullRank.isEmpty()) {
            throw new IllegalArgumentException(
                    "at least one low-rank layer or full-rank tensor is needed, both are empty");
        }
        int n =
                particles.isEmpty()
                        ? Math.toIntExact(fullRank.get(0).getShape().get(0))
                        : LowRankKernel.checkLayers(particles);
        if (!particles.isEmpty() || !lossGradients.isEmpty()) {
            checkGradients(particles, lossGradients);
        }
        checkFullRank(fullRank, fullRankGradients, n);
        if (n == 1 && warnedSingleParticle.compareAndSet(false, true)) {
            logger.warn(
                    "SVGD with a single particle: the kernel is 1 and the repulsion 0, so it"
                            + " reduces to MAP estimation; use n >= 2 for a posterior");
        }
        NDManager parent =
                particles.isEmpty()
                        ? fullRank.get(0).getManager()
                        : particles.get(0).a().getManager();
        try (NDManager scope = parent.newSubManager()) {
            LowRankKernel.attachFactors(scope, particles);
            for (FactorPair g : lossGradients) {
                LowRankKernel.attach(scope, g.a(), g.b());
            }
            for (int t = 0; t < fullRank.size(); t++) {
                LowRankKernel.attach(scope, fullRank.get(t), fullRankGradients.get(t));
            }
            List<LowRankKernel.Grams> grams = LowRankKernel.grams(particles);
            NDArray d = null;
            if (!grams.isEmpty()) {
                d = LowRankKernel.distances(LowRankKernel.innerProducts(grams));
            }
            List<NDArray> flat = new ArrayList<>(fullRank.size());
            for (NDArray x : fullRank) {
                NDArray xf = x.stopGradient().reshape(n, -1);
                flat.add(xf);
                NDArray dx = LowRankKernel.distances(xf.matMul(xf.transpose()));
                d = d == null ? dx : d.add(dx);
            }
            // Finite particles can still overflow here (a product A B of large factors, squared):
            // named by particle, as every other non-finite value of the update is.
            Finite.requireFinite(
                    d, () -> "the row of squared kernel distances to the other particles");
            KernelMatrix kernel = KernelMatrix.fromSquaredDistances(d, bandwidth);
            boolean repel = gamma > 0;
            NDArray w = repel ? LowRankKernel.pairWeights(kernel) : null;
            // gamma folded into the weights, -1/n into the kernel: once per step, not per layer.
            NDArray wGamma = repel ? w.mul(gamma) : null;
            NDArray kDriving = kernel.kernel().mul(-1.0 / n);
            Map<Integer, NDArray> blocks = new HashMap<>();
            List<FactorPair> phi = new ArrayList<>(grams.size());
            for (int l = 0; l < grams.size(); l++) {
                FactorPair g = lossGradients.get(l);
                NDArray phiA = driving(g.a(), kDriving, n);
                NDArray phiB = driving(g.b(), kDriving, n);
                if (repel) {
                    FactorPair r = LowRankKernel.repulsion(grams.get(l), wGamma, blocks, repulsion);
                    phiA = phiA.addi(r.a());
                    phiB = phiB.addi(r.b());
                }
                phiA.attach(parent);
                phiB.attach(parent);
                phi.add(new FactorPair(phiA, phiB));
            }
            List<NDArray> fullPhi = new ArrayList<>(fullRank.size());
            for (int t = 0; t < fullRank.size(); t++) {
                NDArray g = fullRankGradients.get(t);
                NDArray p = driving(g, kDriving, n);
                if (repel) {
                    NDArray x = flat.get(t);
                    NDArray r =
                            x.mul(w.sum(new int[] {1}).reshape(n, 1))
                                    .sub(w.matMul(x))
                                    .reshape(g.getShape());
                    p = p.add(r.mul(gamma));
                }
                p.attach(parent);
                fullPhi.add(p);
            }
            kernel.distances().attach(parent);
            kernel.kernel().attach(parent);
            return new SvgdUpdate(phi, fullPhi, kernel);
        }
    }

    private static void checkFullRank(List<NDArray> xs, List<NDArray> grads, int n) {
        if (xs.size() != grads.size()) {
            throw new IllegalArgumentException(
                    "one gradient per full-rank tensor is needed, tensors = "
                            + xs.size()
                            + ", gradients = "
                            + grads.size());
        }
        for (int t = 0; t < xs.size(); t++) {
            NDArray x = Objects.requireNonNull(xs.get(t), "full-rank tensor " + t);
            if (x.getShape().dimension() < 1 || x.getShape().get(0) != n) {
                throw new IllegalArgumentException(
                        "full-rank tensor "
                                + t
                                + " must have the "
                                + n
                                + " particles on its first axis, its shape is "
                                + x.getShape());
            }
            checkLike(x, Objects.requireNonNull(grads.get(t), "gradient " + t), "dL/dx", t);
        }
        List<NDArray> all = new ArrayList<>(xs);
        all.addAll(grads);
        Finite.requireFinite(
                all,
                i ->
                        i < xs.size()
                                ? "full-rank tensor " + i
                                : "the loss gradient of full-rank tensor " + (i - xs.size()));
    }

    /** The driving term; {@code kDriving} is \( -K / n \). */
    private NDArray driving(NDArray grad, NDArray kDriving, int n) {
        if (drivingTerm == DrivingTerm.OWN_GRADIENT) {
            return grad.neg();
        }
        return kDriving.matMul(grad.reshape(n, -1)).reshape(grad.getShape());
    }

    private static void checkGradients(
            List<LowRankFactors> particles, List<FactorPair> lossGradients) {
        Objects.requireNonNull(lossGradients, "lossGradients");
        if (lossGradients.size() != particles.size()) {
            throw new IllegalArgumentException(
                    "one gradient pair per layer is needed, layers = "
                            + particles.size()
                            + ", gradients = "
                            + lossGradients.size());
        }
        for (int l = 0; l < particles.size(); l++) {
            LowRankFactors f = particles.get(l);
            FactorPair g = Objects.requireNonNull(lossGradients.get(l), "gradients of layer " + l);
            checkLike(f.a(), g.a(), "dL/dA", l);
            checkLike(f.b(), g.b(), "dL/dB", l);
        }
        List<NDArray> arrays = new ArrayList<>(2 * lossGradients.size());
        for (FactorPair g : lossGradients) {
            arrays.add(g.a());
            arrays.add(g.b());
        }
        Finite.requireFinite(
                arrays,
                i -> "the loss gradient dL/d" + (i % 2 == 0 ? "A" : "B") + " of layer " + i / 2);
    }

    private static void checkLike(NDArray factor, NDArray grad, String name, int layer) {
        if (!factor.getShape().equals(grad.getShape())) {
            throw new IllegalArgumentException(
                    name
                            + " of layer "
                            + layer
                            + " must have the factor's shape "
                            + factor.getShape()
                            + ", it has "
                            + grad.getShape());
        }
        if (factor.getDataType() != grad.getDataType()) {
            throw new IllegalArgumentException(
                    name
                            + " of layer "
                            + layer
                            + " must have the factor's data type "
                            + factor.getDataType()
                            + ", it is "
                            + grad.getDataType());
        }
    }

    /**
     * Returns the repulsion weight \( \gamma \).
     *
     * @return \( \gamma \ge 0 \)
     */
    public double gamma() {
        return gamma;
    }

    /**
     * Returns the driving term.
     *
     * @return the driving term
     */
    public DrivingTerm drivingTerm() {
        return drivingTerm;
    }

    /**
     * Returns the repulsion form.
     *
     * @return the repulsion form
     */
    public Repulsion repulsion() {
        return repulsion;
    }

    /**
     * Returns the bandwidth rule.
     *
     * @return the bandwidth rule
     */
    public Bandwidth bandwidth() {
        return bandwidth;
    }

    /** Builds a {@link LowRankSvgd}; every setting is optional. */
    public static final class Builder {
        private double gamma = 0.01;
        private DrivingTerm drivingTerm = DrivingTerm.KERNEL_SMOOTHED;
        private Repulsion repulsion = Repulsion.KERNEL_GRADIENT;
        private Bandwidth bandwidth = Bandwidth.median();

        private Builder() {}

        /**
         * Sets the repulsion weight \( \gamma \) (default 0.01; 0 switches the repulsion off).
         *
         * @param gamma finite and \( \ge 0 \)
         * @return this builder
         */
        public Builder optGamma(double gamma) {
            this.gamma = gamma;
            return this;
        }

        /**
         * Sets the driving term (default {@link DrivingTerm#KERNEL_SMOOTHED}).
         *
         * @param drivingTerm the driving term
         * @return this builder
         */
        public Builder optDrivingTerm(DrivingTerm drivingTerm) {
            this.drivingTerm = Objects.requireNonNull(drivingTerm, "drivingTerm");
            return this;
        }

        /**
         * Sets the repulsion form (default {@link Repulsion#KERNEL_GRADIENT}).
         *
         * @param repulsion the repulsion form
         * @return this builder
         */
        public Builder optRepulsion(Repulsion repulsion) {
            this.repulsion = Objects.requireNonNull(repulsion, "repulsion");
            return this;
        }

        /**
         * Sets the bandwidth rule (default {@link Bandwidth#median()}).
         *
         * @param bandwidth the bandwidth rule
         * @return this builder
         */
        public Builder optBandwidth(Bandwidth bandwidth) {
            this.bandwidth = Objects.requireNonNull(bandwidth, "bandwidth");
            return this;
        }

        /**
         * Builds the update.
         *
         * @return the configured update
         * @throws IllegalArgumentException if \( \gamma \) is negative, NaN or infinite
         */
        public LowRankSvgd build() {
            if (!(gamma >= 0 && Double.isFinite(gamma))) {
                throw new IllegalArgumentException(
                        "gamma (the repulsion weight) must be finite and >= 0, gamma = " + gamma);
            }
            return new LowRankSvgd(this);
        }
    }
}
