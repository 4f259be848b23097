package dev.bella.metrics;

/**
 * Uncertainty from particle probabilities n x N x C (particle first), per example and averaged
 * (SPEC section 4). With \( p_i \) the probabilities of particle i for one example:
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
 * Probabilities}. Sums in double precision. All methods are pure and thread-safe.
 */
public final class Uncertainty {

    private Uncertainty() {}

    /**
     * The posterior predictive, the mean of the particles' probabilities.
     *
     * @param particles n x N x C probabilities, n at least 1
     * @return N x C probabilities, a new array
     * @throws IllegalArgumentException on bad input (shapes, probabilities)
     */
    public static double[][] posteriorPredictive(float[][][] particles) {
        int[] shape = ParticleKernel.shape(particles);
        double[][] out = new double[shape[0]][shape[1]];
        for (int i = 0; i < particles.length; i++) {
            for (int n = 0; n < shape[0]; n++) {
                float[] row = particles[i][n];
                Probabilities.checkRow(row, "particles[" + i + "][" + n + "]");
                double[] o = out[n];
                for (int c = 0; c < shape[1]; c++) {
                    o[c] += row[c];
                }
            }
        }
        divide(out, particles.length);
        return out;
    }

    /**
     * The posterior predictive in double precision.
     *
     * @param particles n x N x C probabilities, n at least 1
     * @return N x C probabilities, a new array
     * @throws IllegalArgumentException on bad input (shapes, probabilities)
     */
    public static double[][] posteriorPredictive(double[][][] particles) {
        int[] shape = ParticleKernel.shape(particles);
        double[][] out = new double[shape[0]][shape[1]];
        for (int i = 0; i < particles.length; i++) {
            for (int n = 0; n < shape[0]; n++) {
                double[] row = particles[i][n];
                Probabilities.checkRow(row, "particles[" + i + "][" + n + "]");
                double[] o = out[n];
                for (int c = 0; c < shape[1]; c++) {
                    o[c] += row[c];
                }
            }
        }
        divide(out, particles.length);
        return out;
    }

    private static void divide(double[][] out, int n) {
        for (double[] row : out) {
            for (int c = 0; c < row.length; c++) {
                row[c] /= n;
            }
        }
    }

    /**
     * The entropy of each row, \( -\sum_c p_c \log p_c \) in nats: the predictive entropy of a
     * single model.
     *
     * @param probs N x C probabilities
     * @return N entropies in [0, log C] (up to the row-sum tolerance)
     * @throws IllegalArgumentException on bad input (shapes, probabilities)
     */
    public static double[] entropy(float[][] probs) {
        Checks.columns(probs, "probs");
        double[] out = new double[probs.length];
        for (int n = 0; n < probs.length; n++) {
            Probabilities.checkRow(probs[n], "probs[" + n + "]");
            double h = 0;
            for (float v : probs[n]) {
                if (v > 0) {
                    h -= v * Math.log(v);
                }
            }
            out[n] = h;
        }
        return out;
    }

    /**
     * The entropy of each row, as {@link #entropy(float[][])}.
     *
     * @param probs N x C probabilities
     * @return N entropies
     * @throws IllegalArgumentException on bad input (shapes, probabilities)
     */
    public static double[] entropy(double[][] probs) {
        Checks.columns(probs, "probs");
        double[] out = new double[probs.length];
        for (int n = 0; n < probs.length; n++) {
            Probabilities.checkRow(probs[n], "probs[" + n + "]");
            double h = 0;
            for (double v : probs[n]) {
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
     * @throws IllegalArgumentException on bad input (shapes, probabilities, N = 0)
     */
    public static UncertaintyScores of(float[][][] particles) {
        int[] shape = ParticleKernel.shape(particles);
        Checks.nonEmpty("particles[0]", shape[0]);
        UncertaintyScores.Builder b = new UncertaintyScores.Builder(shape[0], particles.length);
        return b.build(UncertaintyMetrics.create().accept(particles, b).result());
    }

    /**
     * Every uncertainty quantity in double precision, per example and averaged.
     *
     * @param particles n x N x C probabilities, n and N at least 1
     * @return the per-example scores and their means
     * @throws IllegalArgumentException on bad input (shapes, probabilities, N = 0)
     */
    public static UncertaintyScores of(double[][][] particles) {
        int[] shape = ParticleKernel.shape(particles);
        Checks.nonEmpty("particles[0]", shape[0]);
        UncertaintyScores.Builder b = new UncertaintyScores.Builder(shape[0], particles.length);
        return b.build(UncertaintyMetrics.create().accept(particles, b).result());
    }
}
