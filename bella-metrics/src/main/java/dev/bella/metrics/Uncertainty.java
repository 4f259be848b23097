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
package dev.bella.metrics;

/**
 * Uncertainty from {@link ParticleProbabilities} n x N x C (particle first), per example and
 * averaged (SPEC section 4). With \( p_i \) the probabilities of particle i for one example:
 *
 * <ul>
 *   <li>posterior predictive \( \bar p = \frac1n \sum_i p_i \): the mean of probabilities, never
 *       the softmax of mean logits;
 *   <li>predictive entropy (total) \( H[\bar p] = -\sum_y \bar p_y \log \bar p_y \);
 *   <li>aleatoric (expected entropy) \( \frac1n \sum_i H[p_i] \);
 *   <li>epistemic, the mutual information \( H[\bar p] - \frac1n \sum_i H[p_i] = \frac1n \sum_i
 *       KL(p_i \| \bar p) \), computed as the mean KL (accurate when it is small) with rounding
 *       residue below 0 clamped to 0;
 *   <li>diversity of particle i: \( KL(p_i \| \bar p) \), averaged over examples;
 *   <li>disagreement: the fraction of particles whose predicted class (first argmax) differs from
 *       the predicted class of \( \bar p \) (0 for one particle).
 * </ul>
 *
 * <p>Natural logarithms (nats), with \( 0 \log 0 = 0 \). Every particle row is checked as in {@link
 * Probabilities}. Inputs are float32 views; sums and results are in double precision. All methods
 * are pure and thread-safe.
 */
public final class Uncertainty {

    private Uncertainty() {}

    /**
     * The posterior predictive, the mean of the particles' probabilities, in double precision.
     *
     * @param particles n x N x C probabilities, n at least 1
     * @return N x C probabilities over a new double-precision array
     * @throws IllegalArgumentException on bad input (probabilities)
     */
    public static ProbabilityMatrix posteriorPredictive(ParticleProbabilities particles) {
        Checks.notNull(particles, "particles");
        int rows = particles.rows();
        int classes = particles.classes();
        float[] v = particles.values();
        double[] out = new double[rows * classes];
        for (int i = 0; i < particles.particles(); i++) {
            for (int n = 0; n < rows; n++) {
                int o = (i * rows + n) * classes;
                checkParticleRow(v, o, classes, i, n);
                for (int c = 0; c < classes; c++) {
                    out[n * classes + c] += v[o + c];
                }
            }
        }
        for (int k = 0; k < out.length; k++) {
            out[k] /= particles.particles();
        }
        return ProbabilityMatrix.ofDoubles(out, rows, classes);
    }

    private static void checkParticleRow(float[] v, int o, int classes, int i, int n) {
        double sum = 0;
        for (int c = 0; c < classes; c++) {
            float x = v[o + c];
            if (!(x >= 0) || Float.isInfinite(x)) {
                throw Checks.badRow("particles[" + i + "][" + n + "]", v, o, classes, Double.NaN);
            }
            sum += x;
        }
        if (!(Math.abs(sum - 1) <= Probabilities.ROW_SUM_TOLERANCE)) {
            throw Checks.badRow("particles[" + i + "][" + n + "]", v, o, classes, sum);
        }
    }

    /**
     * The entropy of each row, \( -\sum_c p_c \log p_c \) in nats: the predictive entropy of a
     * single model.
     *
     * @param probs N x C probabilities
     * @return N entropies in [0, log C] (up to the row-sum tolerance)
     * @throws IllegalArgumentException on bad input (probabilities)
     */
    public static double[] entropy(ProbabilityMatrix probs) {
        Checks.notNull(probs, "probs");
        double[] out = new double[probs.rows()];
        float[] f = probs.floats();
        double[] d = probs.doubles();
        int classes = probs.classes();
        for (int n = 0; n < probs.rows(); n++) {
            probs.checkRow(n, "probs");
            int o = probs.offset() + n * classes;
            double h = 0;
            for (int c = 0; c < classes; c++) {
                double v = f != null ? f[o + c] : d[o + c];
                if (v > 0) {
                    h -= v * Math.log(v);
                }
            }
            out[n] = h;
        }
        return out;
    }

    /**
     * Every uncertainty quantity, per example and averaged.
     *
     * @param particles n x N x C probabilities, n and N at least 1
     * @return the per-example scores and their means
     * @throws IllegalArgumentException on bad input (probabilities, N = 0)
     */
    public static UncertaintyScores of(ParticleProbabilities particles) {
        Checks.notNull(particles, "particles");
        Checks.nonEmpty("particles[0]", particles.rows());
        UncertaintyScores.Builder b =
                new UncertaintyScores.Builder(particles.rows(), particles.particles());
        return b.build(UncertaintyMetrics.create().accept(particles, b).result());
    }
}
