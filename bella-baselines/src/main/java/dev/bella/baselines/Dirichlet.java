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

import dev.bella.core.posterior.Prediction;

/**
 * The Dirichlet distribution's closed forms that a Dirichlet (evidential) student needs (SPEC §9),
 * in double precision: the log-density of a probability vector and its gradient, and the predictive
 * uncertainty of \( \mathrm{Dir}(\alpha) \) over the classes' probabilities. Natural logarithms
 * (nats); \( \alpha_0 = \sum_c \alpha_c \); \( \psi \) is the digamma function.
 *
 * <ul>
 *   <li>log-density: \( \log \mathrm{Dir}(p \mid \alpha) = \log\Gamma(\alpha_0) - \sum_c
 *       \log\Gamma(\alpha_c) + \sum_c (\alpha_c - 1) \log p_c \);
 *   <li>its gradient: \( \partial / \partial\alpha_c = \psi(\alpha_0) - \psi(\alpha_c) + \log p_c
 *       \);
 *   <li>predictive: \( \mathbb{E}[p] = \alpha / \alpha_0 \); total uncertainty \( H[\alpha /
 *       \alpha_0] \);
 *   <li>expected entropy (aleatoric): \( \mathbb{E}_{p \sim \mathrm{Dir}(\alpha)} H[p] = -\sum_c
 *       \frac{\alpha_c}{\alpha_0} \left(\psi(\alpha_c + 1) - \psi(\alpha_0 + 1)\right) \);
 *   <li>mutual information (epistemic): total minus expected, \( \ge 0 \).
 * </ul>
 *
 * <p>Validation: every \( \alpha_c \) must be finite and positive, and a probability vector's
 * entries in \( (0, 1] \); the {@link IllegalArgumentException} names the index and the value. All
 * methods are pure and thread-safe.
 */
public final class Dirichlet {

    /** Lanczos coefficients (g = 7, n = 9), relative error below 1e-15 on the positive axis. */
    private static final double[] LANCZOS = {
        0.99999999999980993,
        676.5203681218851,
        -1259.1392167224028,
        771.32342877765313,
        -176.61502916214059,
        12.507343278686905,
        -0.13857109526572012,
        9.9843695780195716e-6,
        1.5056327351493116e-7
    };

    private Dirichlet() {}

    /**
     * The log-density \( \log \mathrm{Dir}(p \mid \alpha) \).
     *
     * @param alpha the concentrations, finite and positive
     * @param p a probability vector of the same length, entries in \( (0, 1] \) (clamp zeros away
     *     first; see {@link DirichletLoss})
     * @return the log-density (it may be positive: a density, not a probability)
     * @throws IllegalArgumentException if a value is out of range or the lengths differ
     */
    public static double logDensity(double[] alpha, double[] p) {
        checkAlpha(alpha);
        checkProbabilities(p, alpha.length);
        double a0 = 0;
        double sum = 0;
        for (int c = 0; c < alpha.length; c++) {
            a0 += alpha[c];
            sum += -logGamma(alpha[c]) + (alpha[c] - 1) * Math.log(p[c]);
        }
        return logGamma(a0) + sum;
    }

    /**
     * The gradient of {@link #logDensity} with respect to \( \alpha \): \( \psi(\alpha_0) -
     * \psi(\alpha_c) + \log p_c \).
     *
     * @param alpha the concentrations, finite and positive
     * @param p a probability vector of the same length, entries in \( (0, 1] \)
     * @return one partial derivative per class
     * @throws IllegalArgumentException if a value is out of range or the lengths differ
     */
    public static double[] logDensityGradient(double[] alpha, double[] p) {
        checkAlpha(alpha);
        checkProbabilities(p, alpha.length);
        double a0 = 0;
        for (double a : alpha) {
            a0 += a;
        }
        double psi0 = digamma(a0);
        double[] g = new double[alpha.length];
        for (int c = 0; c < alpha.length; c++) {
            g[c] = psi0 - digamma(alpha[c]) + Math.log(p[c]);
        }
        return g;
    }

    /**
     * The expected entropy \( \mathbb{E}_{p \sim \mathrm{Dir}(\alpha)} H[p] = -\sum_c
     * \frac{\alpha_c}{\alpha_0} (\psi(\alpha_c + 1) - \psi(\alpha_0 + 1)) \), the aleatoric part.
     *
     * @param alpha the concentrations, finite and positive
     * @return nats, in \( [0, \log C] \)
     * @throws IllegalArgumentException if a value is out of range
     */
    public static double expectedEntropy(double[] alpha) {
        checkAlpha(alpha);
        double a0 = 0;
        for (double a : alpha) {
            a0 += a;
        }
        double psi0 = digamma(a0 + 1);
        double h = 0;
        for (double a : alpha) {
            h -= (a / a0) * (digamma(a + 1) - psi0);
        }
        return h;
    }

    /**
     * The entropy of the mean, \( H[\alpha / \alpha_0] \): the total uncertainty.
     *
     * @param alpha the concentrations, finite and positive
     * @return nats, in \( [0, \log C] \)
     * @throws IllegalArgumentException if a value is out of range
     */
    public static double totalEntropy(double[] alpha) {
        checkAlpha(alpha);
        return entropy(mean(alpha));
    }

    /**
     * The mutual information between the label and the class probabilities, \( H[\alpha / \alpha_0]
     * - \mathbb{E}[H[p]] \): the epistemic part. Negative rounding residue is returned as 0.
     *
     * @param alpha the concentrations, finite and positive
     * @return nats, {@code >= 0}
     * @throws IllegalArgumentException if a value is out of range
     */
    public static double mutualInformation(double[] alpha) {
        return Math.max(0, totalEntropy(alpha) - expectedEntropy(alpha));
    }

    /**
     * The prediction of \( \mathrm{Dir}(\alpha) \) in the fields the particles' predictions use:
     * the predictive \( \alpha / \alpha_0 \), its first argmax and that probability, the total
     * entropy, the expected entropy (aleatoric) and the mutual information.
     *
     * @param alpha the concentrations, finite and positive
     * @return the prediction
     * @throws IllegalArgumentException if a value is out of range
     */
    public static Prediction predict(double[] alpha) {
        double[] mean = mean(alpha);
        double a0 = 0;
        for (double a : alpha) {
            a0 += a;
        }
        return closedForm(mean, alpha, a0);
    }

    /**
     * The prediction of \( \mathrm{Dir}(\exp z) \) from log-concentrations \( z \) (the student's
     * outputs), with the predictive computed as \( \mathrm{softmax}(z) \) (equal to \( \alpha /
     * \alpha_0 \), without overflow).
     *
     * @param z the log-concentrations, finite, with {@code exp(z)} positive and finite
     * @return the prediction
     * @throws IllegalArgumentException if a value is NaN or infinite, or {@code exp(z)} under- or
     *     overflows
     */
    public static Prediction predictFromLog(double[] z) {
        if (z == null || z.length == 0) {
            throw new IllegalArgumentException("z must hold at least one log-concentration");
        }
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < z.length; c++) {
            if (!Double.isFinite(z[c])) {
                throw new IllegalArgumentException(
                        "log-concentration z[" + c + "] = " + z[c] + " must be finite");
            }
            max = Math.max(max, z[c]);
        }
        double[] alpha = new double[z.length];
        double[] mean = new double[z.length];
        double shifted = 0;
        for (int c = 0; c < z.length; c++) {
            alpha[c] = Math.exp(z[c]);
            mean[c] = Math.exp(z[c] - max);
            shifted += mean[c];
        }
        for (int c = 0; c < z.length; c++) {
            mean[c] /= shifted;
        }
        double a0 = Math.exp(max) * shifted;
        if (!(a0 > 0 && Double.isFinite(a0))) {
            throw new IllegalArgumentException(
                    "the concentrations exp(z) overflow or underflow: max z = "
                            + max
                            + ", alpha_0 = "
                            + a0
                            + "; expected alpha_0 in (0, "
                            + Double.MAX_VALUE
                            + "]");
        }
        return closedForm(mean, alpha, a0);
    }

    /**
     * The prediction from the mean, the concentrations (an entry may have underflowed to 0: its
     * weight in the expected entropy is then 0 too) and their sum.
     */
    private static Prediction closedForm(double[] mean, double[] alpha, double a0) {
        int top = 0;
        for (int c = 1; c < mean.length; c++) {
            if (mean[c] > mean[top]) {
                top = c;
            }
        }
        double total = entropy(mean);
        double psi0 = digamma(a0 + 1);
        double expected = 0;
        for (int c = 0; c < alpha.length; c++) {
            expected -= mean[c] * (digamma(alpha[c] + 1) - psi0);
        }
        return new Prediction(mean, top, mean[top], total, expected, Math.max(0, total - expected));
    }

    /** \( \alpha / \alpha_0 \). */
    static double[] mean(double[] alpha) {
        checkAlpha(alpha);
        double a0 = 0;
        for (double a : alpha) {
            a0 += a;
        }
        double[] m = new double[alpha.length];
        for (int c = 0; c < alpha.length; c++) {
            m[c] = alpha[c] / a0;
        }
        return m;
    }

    private static double entropy(double[] p) {
        double h = 0;
        for (double q : p) {
            if (q > 0) {
                h -= q * Math.log(q);
            }
        }
        return h;
    }

    /**
     * \( \log \Gamma(x) \) for \( x > 0 \) (Lanczos approximation, g = 7, relative error below
     * 1e-14 for {@code x >= 0.5}; reflection below).
     *
     * @param x a positive, finite number
     * @return \( \log \Gamma(x) \)
     * @throws IllegalArgumentException if {@code x} is not positive and finite
     */
    public static double logGamma(double x) {
        if (!(x > 0 && Double.isFinite(x))) {
            throw new IllegalArgumentException(
                    "logGamma needs a positive, finite argument, x = " + x);
        }
        if (x < 0.5) {
            // Reflection: Gamma(x) Gamma(1 - x) = pi / sin(pi x), with sin(pi x) > 0 on (0, 0.5).
            return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
        }
        double y = x - 1;
        double s = LANCZOS[0];
        double t = y + 7.5;
        for (int k = 1; k < LANCZOS.length; k++) {
            s += LANCZOS[k] / (y + k);
        }
        return 0.5 * Math.log(2 * Math.PI) + (y + 0.5) * Math.log(t) - t + Math.log(s);
    }

    /**
     * The digamma function \( \psi(x) = \frac{d}{dx} \log\Gamma(x) \) for \( x > 0 \): the
     * recurrence \( \psi(x) = \psi(x + 1) - 1/x \) up to {@code x >= 10}, then the asymptotic
     * series to \( x^{-12} \) (absolute error below 1e-13).
     *
     * @param x a positive, finite number
     * @return \( \psi(x) \)
     * @throws IllegalArgumentException if {@code x} is not positive and finite
     */
    public static double digamma(double x) {
        if (!(x > 0 && Double.isFinite(x))) {
            throw new IllegalArgumentException(
                    "digamma needs a positive, finite argument, x = " + x);
        }
        double r = 0;
        while (x < 10) {
            r -= 1 / x;
            x += 1;
        }
        double f = 1 / (x * x);
        double series =
                f
                        * (-1.0 / 12
                                + f
                                        * (1.0 / 120
                                                + f
                                                        * (-1.0 / 252
                                                                + f
                                                                        * (1.0 / 240
                                                                                + f
                                                                                        * (-1.0
                                                                                                        / 132
                                                                                                + f
                                                                                                        * (691.0
                                                                                                                / 32760))))));
        return r + Math.log(x) - 0.5 / x + series;
    }

    private static void checkAlpha(double[] alpha) {
        if (alpha == null || alpha.length == 0) {
            throw new IllegalArgumentException("alpha must hold at least one concentration");
        }
        for (int c = 0; c < alpha.length; c++) {
            double a = alpha[c];
            if (!(a > 0 && Double.isFinite(a))) {
                throw new IllegalArgumentException(
                        "concentration alpha[" + c + "] = " + a + " must be positive and finite");
            }
        }
    }

    private static void checkProbabilities(double[] p, int classes) {
        if (p == null || p.length != classes) {
            throw new IllegalArgumentException(
                    "p must hold one probability per class, p.length = "
                            + (p == null ? "null" : p.length)
                            + ", alpha.length = "
                            + classes);
        }
        for (int c = 0; c < p.length; c++) {
            if (!(p[c] > 0 && p[c] <= 1)) {
                throw new IllegalArgumentException(
                        "probability p["
                                + c
                                + "] = "
                                + p[c]
                                + " must be in (0, 1]; clamp zeros away before taking logs");
            }
        }
    }
}
