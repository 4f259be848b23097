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
import ai.djl.ndarray.types.Shape;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stein Variational Gradient Descent (Liu &amp; Wang, NeurIPS 2016, arXiv:1608.04471) over
 * full-rank particles, for any target whose score \( \nabla \log p \) the user can evaluate.
 *
 * <p>The \( n \) particles are one array of shape {@code (n, ...)}, flattened internally to \( X
 * \in \mathbb{R}^{n \times d} \). With the RBF kernel \( k_{ij} = \exp(-\lVert x_i - x_j \rVert^2 /
 * (2 h^2)) \) (bandwidth from a {@link Bandwidth} rule, the median heuristic by default) the update
 * direction is
 *
 * <p>\[ \phi(x_i) = \frac{1}{n} \sum_j \left[ k_{ij} \nabla \log p(x_j) + \nabla_{x_j} k(x_j, x_i)
 * \right], \quad \text{i.e.} \quad \Phi = \frac{1}{n} \left( K \nabla \log p(X) + \frac{X \circ (K
 * \mathbf{1}) - K X}{h^2} \right), \]
 *
 * <p>since \( \nabla_{x_j} k(x_j, x_i) = k_{ij} (x_i - x_j) / h^2 \) for this kernel. (Liu &amp;
 * Wang's {@code svgd.py} writes the same term as {@code (-K @ X + X * K.sum(1)) / h**2} with its
 * {@code h} being our \( h \).) The squared distances use the Gram form \( \lVert x_i \rVert^2 +
 * \lVert x_j \rVert^2 - 2 x_i^\top x_j \), clamped at 0 against round-off, with an exactly zero
 * diagonal.
 *
 * <p>{@link #sample} iterates \( x \leftarrow x + \epsilon \, \mathrm{rule}(\phi) \) with a {@link
 * StepRule}. To drive the particles with a DJL {@code Optimizer} instead, call {@link
 * #direction(NDArray, NDArray)} each step and pass {@code phi.neg()} as the gradient:
 *
 * <pre>{@code
 * NDArray phi = svgd.direction(x, score.score(x));
 * optimizer.update("particles", x, phi.neg());
 * }</pre>
 *
 * <p>The run is deterministic given the initial particles (no randomness inside); seed whatever
 * draws them. Instances are immutable and thread-safe. With \( n = 1 \) the kernel is \( [1] \),
 * the repulsion 0 and SVGD is gradient ascent on \( \log p \) (MAP); a warning is logged.
 */
public final class Svgd {

    private static final Logger logger = LoggerFactory.getLogger(Svgd.class);

    /** The AdaGrad fudge factor of Liu &amp; Wang's {@code svgd.py}. */
    static final double FUDGE = 1e-6;

    private final Bandwidth bandwidth;
    private final double stepSize;
    private final StepRule stepRule;
    private final double momentum;

    private Svgd(Builder builder) {
        this.bandwidth = builder.bandwidth;
        this.stepSize = builder.stepSize;
        this.stepRule = builder.stepRule;
        this.momentum = builder.momentum;
    }

    /**
     * Returns a builder with the median bandwidth, step size \( 10^{-2} \), {@link
     * StepRule#ADAGRAD} and momentum 0.9.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Evaluates the RBF kernel over the particles.
     *
     * @param particles the particles, shape {@code (n, ...)}, {@code float32} or {@code float64}
     * @param bandwidth the bandwidth rule
     * @return \( D \), \( K \) and the statistics; the arrays belong to the manager of {@code
     *     particles}
     * @throws IllegalArgumentException if the particles are not floating point, empty, or hold NaN
     *     or infinity
     */
    public static KernelMatrix rbfKernel(NDArray particles, Bandwidth bandwidth) {
        Objects.requireNonNull(bandwidth, "bandwidth");
        checkParticles(particles);
        Finite.requireFinite(particles, () -> "the particles");
        return kernel(particles, bandwidth);
    }

    /** {@link #rbfKernel} without the checks. */
    private static KernelMatrix kernel(NDArray particles, Bandwidth bandwidth) {
        long n = particles.getShape().get(0);
        NDManager parent = particles.getManager();
        NDArray d;
        try (NDManager scope = parent.newSubManager()) {
            LowRankKernel.attach(scope, particles);
            NDArray x = particles.stopGradient().reshape(n, -1);
            d = LowRankKernel.distances(x.matMul(x.transpose()));
            d.attach(parent);
        }
        return KernelMatrix.fromSquaredDistances(d, bandwidth);
    }

    /**
     * Returns the SVGD direction \( \Phi = (K S + (X \circ (K \mathbf{1}) - K X) / h^2) / n \) for
     * the given scores \( S = \nabla \log p(X) \) and kernel.
     *
     * @param particles the particles \( X \), shape {@code (n, ...)}
     * @param scores \( \nabla \log p \) at the particles, same shape and data type
     * @param kernel the kernel evaluated at these particles ({@link #rbfKernel})
     * @return \( \Phi \), shaped like {@code particles}, in the manager of {@code particles}
     * @throws IllegalArgumentException if the shapes or data types disagree, or the scores hold NaN
     *     or infinity
     */
    public static NDArray direction(NDArray particles, NDArray scores, KernelMatrix kernel) {
        Objects.requireNonNull(kernel, "kernel");
        int n = checkParticles(particles);
        checkScores(particles, scores, -1);
        LowRankKernel.checkKernel(kernel, n);
        return phi(particles, scores, kernel);
    }

    /** {@link #direction(NDArray, NDArray, KernelMatrix)} without the checks. */
    private static NDArray phi(NDArray particles, NDArray scores, KernelMatrix kernel) {
        long n = particles.getShape().get(0);
        NDManager parent = particles.getManager();
        try (NDManager scope = parent.newSubManager()) {
            LowRankKernel.attach(scope, particles, scores, kernel.kernel());
            NDArray x = particles.stopGradient().reshape(n, -1);
            NDArray k = kernel.kernel();
            NDArray drive = k.matMul(scores.reshape(n, -1));
            NDArray repel =
                    x.mul(k.sum(new int[] {1}).reshape(n, 1))
                            .sub(k.matMul(x))
                            .mul(1.0 / kernel.squaredBandwidth());
            NDArray phi = drive.add(repel).mul(1.0 / n).reshape(particles.getShape());
            phi.attach(parent);
            return phi;
        }
    }

    /**
     * Evaluates the kernel with this instance's bandwidth rule and returns the SVGD direction.
     *
     * @param particles the particles \( X \), shape {@code (n, ...)}
     * @param scores \( \nabla \log p \) at the particles, same shape and data type
     * @return \( \Phi \), shaped like {@code particles}, in the manager of {@code particles}
     * @see #direction(NDArray, NDArray, KernelMatrix)
     */
    public NDArray direction(NDArray particles, NDArray scores) {
        NDManager parent = particles.getManager();
        try (NDManager scope = parent.newSubManager()) {
            LowRankKernel.attach(scope, particles);
            KernelMatrix kernel = rbfKernel(particles, bandwidth);
            NDArray phi = direction(particles, scores, kernel);
            phi.attach(parent);
            return phi;
        }
    }

    /**
     * Runs SVGD from the given particles for a number of iterations.
     *
     * @param initial the initial particles, shape {@code (n, ...)}; not modified
     * @param score the score function of the target
     * @param iterations the number of updates, \( \ge 0 \)
     * @return the final particles, a new array in the manager of {@code initial}
     * @throws IllegalArgumentException if the particles are invalid, or the score function returns
     *     an array of the wrong shape or type, or NaN or infinity (the message names the particle
     *     and the iteration)
     */
    public NDArray sample(NDArray initial, ScoreFunction score, int iterations) {
        Objects.requireNonNull(score, "score");
        if (iterations < 0) {
            throw new IllegalArgumentException(
                    "iterations must be >= 0, iterations = " + iterations);
        }
        int n = checkParticles(initial);
        Finite.requireFinite(initial, () -> "the initial particles");
        if (n == 1) {
            logger.warn("SVGD with a single particle reduces to MAP (gradient ascent on log p)");
        }
        NDManager parent = initial.getManager();
        try (NDManager run = parent.newSubManager()) {
            NDArray x = initial;
            NDArray hist = null;
            for (int t = 0; t < iterations; t++) {
                NDArray nextX;
                NDArray nextHist = null;
                try (NDManager step = run.newSubManager()) {
                    LowRankKernel.attach(step, x);
                    if (hist != null) {
                        LowRankKernel.attach(step, hist);
                    }
                    NDArray g = score.score(x);
                    LowRankKernel.attach(step, g);
                    checkScores(x, g, t);
                    NDArray phi = phi(x, g, kernel(x, bandwidth));
                    NDArray move;
                    if (stepRule == StepRule.ADAGRAD) {
                        NDArray sq = phi.square();
                        nextHist =
                                hist == null ? sq : hist.mul(momentum).add(sq.mul(1.0 - momentum));
                        move = phi.div(nextHist.sqrt().add(FUDGE));
                        nextHist.attach(run);
                    } else {
                        move = phi;
                    }
                    nextX = x.add(move.mul(stepSize));
                    nextX.attach(run);
                }
                if (x != initial) {
                    x.close();
                }
                if (hist != null) {
                    hist.close();
                }
                x = nextX;
                hist = nextHist;
            }
            NDArray result = x == initial ? initial.duplicate() : x;
            result.attach(parent);
            return result;
        }
    }

    private static int checkParticles(NDArray particles) {
        Objects.requireNonNull(particles, "particles");
        Shape shape = particles.getShape();
        if (shape.dimension() < 1 || shape.get(0) < 1 || shape.size() == 0) {
            throw new IllegalArgumentException(
                    "particles must be (n, ...) with n >= 1 and no empty axis, shape = " + shape);
        }
        LowRankFactors.requireFloatingPoint(particles.getDataType(), "particles");
        return Math.toIntExact(shape.get(0));
    }

    private static void checkScores(NDArray particles, NDArray scores, int iteration) {
        Objects.requireNonNull(scores, "scores");
        String when = iteration < 0 ? "" : " at iteration " + iteration;
        if (!particles.getShape().equals(scores.getShape())
                || particles.getDataType() != scores.getDataType()) {
            throw new IllegalArgumentException(
                    "the scores must have the particles' shape and data type "
                            + particles.getShape()
                            + " "
                            + particles.getDataType()
                            + ", they have "
                            + scores.getShape()
                            + " "
                            + scores.getDataType()
                            + when);
        }
        Finite.requireFinite(scores, () -> "the score (grad log p)" + when);
    }

    /**
     * Returns the bandwidth rule.
     *
     * @return the bandwidth rule
     */
    public Bandwidth bandwidth() {
        return bandwidth;
    }

    /**
     * Returns the step size \( \epsilon \).
     *
     * @return the step size
     */
    public double stepSize() {
        return stepSize;
    }

    /**
     * Returns the step rule.
     *
     * @return the step rule
     */
    public StepRule stepRule() {
        return stepRule;
    }

    /**
     * Returns the AdaGrad momentum \( \alpha \).
     *
     * @return \( \alpha \in [0, 1) \)
     */
    public double momentum() {
        return momentum;
    }

    /** Builds an {@link Svgd}; every setting is optional. */
    public static final class Builder {
        private Bandwidth bandwidth = Bandwidth.median();
        private double stepSize = 1e-2;
        private StepRule stepRule = StepRule.ADAGRAD;
        private double momentum = 0.9;

        private Builder() {}

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
         * Sets the step size \( \epsilon \) (default \( 10^{-2} \)).
         *
         * @param stepSize finite and positive
         * @return this builder
         */
        public Builder optStepSize(double stepSize) {
            this.stepSize = stepSize;
            return this;
        }

        /**
         * Sets the step rule (default {@link StepRule#ADAGRAD}).
         *
         * @param stepRule the step rule
         * @return this builder
         */
        public Builder optStepRule(StepRule stepRule) {
            this.stepRule = Objects.requireNonNull(stepRule, "stepRule");
            return this;
        }

        /**
         * Sets the AdaGrad momentum \( \alpha \) (default 0.9, as in {@code svgd.py}).
         *
         * @param momentum in \( [0, 1) \)
         * @return this builder
         */
        public Builder optMomentum(double momentum) {
            this.momentum = momentum;
            return this;
        }

        /**
         * Builds the sampler.
         *
         * @return the configured sampler
         * @throws IllegalArgumentException if the step size is not finite and positive or the
         *     momentum is outside \( [0, 1) \)
         */
        public Svgd build() {
            if (!(stepSize > 0 && Double.isFinite(stepSize))) {
                throw new IllegalArgumentException(
                        "stepSize must be finite and positive, stepSize = " + stepSize);
            }
            if (!(momentum >= 0 && momentum < 1)) {
                throw new IllegalArgumentException(
                        "momentum must be in [0, 1), momentum = " + momentum);
            }
            return new Svgd(this);
        }
    }
}
