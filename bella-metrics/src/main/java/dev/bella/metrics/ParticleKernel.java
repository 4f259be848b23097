package dev.bella.metrics;

/**
 * The per-example computation shared by {@link Uncertainty} and {@link UncertaintyMetrics}: from
 * the n particle rows of one example (copied into double precision), the posterior predictive and
 * every uncertainty quantity. Not thread-safe (scratch buffers); one instance per caller.
 */
final class ParticleKernel {

    final int particles;
    final int classes;
    final double[][] p;
    final double[][] logP;
    final double[] mean;
    final double[] klToMean;
    double predictiveEntropy;
    double aleatoric;
    double mutualInformation;
    double disagreement;

    ParticleKernel(int particles, int classes) {
        this.particles = particles;
        this.classes = classes;
        this.p = new double[particles][classes];
        this.logP = new double[particles][classes];
        this.mean = new double[classes];
        this.klToMean = new double[particles];
    }

    /** Checks shapes of n x N x C particle probabilities and returns {N, C}. */
    static int[] shape(float[][][] particles) {
        Checks.notNull(particles, "particles");
        if (particles.length == 0) {
            throw new IllegalArgumentException("particles is empty: need at least one particle");
        }
        int rows = -2;
        int cols = -2;
        for (int i = 0; i < particles.length; i++) {
            int c = Checks.columns(particles[i], "particles[" + i + "]");
            if (i == 0) {
                rows = particles[0].length;
                cols = c;
            } else {
                check(i, particles[i].length, rows, c, cols);
            }
        }
        return new int[] {rows, cols};
    }

    /** As {@link #shape(float[][][])} in double precision. */
    static int[] shape(double[][][] particles) {
        Checks.notNull(particles, "particles");
        if (particles.length == 0) {
            throw new IllegalArgumentException("particles is empty: need at least one particle");
        }
        int rows = -2;
        int cols = -2;
        for (int i = 0; i < particles.length; i++) {
            int c = Checks.columns(particles[i], "particles[" + i + "]");
            if (i == 0) {
                rows = particles[0].length;
                cols = c;
            } else {
                check(i, particles[i].length, rows, c, cols);
            }
        }
        return new int[] {rows, cols};
    }

    private static void check(int i, int rows, int rows0, int cols, int cols0) {
        if (rows != rows0) {
            throw new IllegalArgumentException(
                    "shapes disagree: particles["
                            + i
                            + "].length = "
                            + rows
                            + " but particles[0].length = "
                            + rows0);
        }
        if (rows > 0 && cols != cols0) {
            throw new IllegalArgumentException(
                    "shapes disagree: particles["
                            + i
                            + "] has "
                            + cols
                            + " columns but particles[0] has "
                            + cols0);
        }
    }

    void load(float[][][] particles, int n) {
        for (int i = 0; i < this.particles; i++) {
            float[] row = particles[i][n];
            Probabilities.checkRow(row, "particles[" + i + "][" + n + "]");
            for (int c = 0; c < classes; c++) {
                p[i][c] = row[c];
            }
        }
        compute();
    }

    void load(double[][][] particles, int n) {
        for (int i = 0; i < this.particles; i++) {
            double[] row = particles[i][n];
            Probabilities.checkRow(row, "particles[" + i + "][" + n + "]");
            System.arraycopy(row, 0, p[i], 0, classes);
        }
        compute();
    }

    private void compute() {
        java.util.Arrays.fill(mean, 0);
        double hSum = 0;
        for (int i = 0; i < particles; i++) {
            double h = 0;
            for (int c = 0; c < classes; c++) {
                double v = p[i][c];
                mean[c] += v;
                double lv = v > 0 ? Math.log(v) : 0;
                logP[i][c] = lv;
                h -= v * lv;
            }
            hSum += h;
        }
        double hMean = 0;
        for (int c = 0; c < classes; c++) {
            mean[c] /= particles;
        }
        double[] logMean = new double[classes];
        for (int c = 0; c < classes; c++) {
            double v = mean[c];
            logMean[c] = v > 0 ? Math.log(v) : 0;
            hMean -= v * logMean[c];
        }
        int top = Probabilities.argmax(mean);
        double klSum = 0;
        int disagree = 0;
        for (int i = 0; i < particles; i++) {
            double kl = 0;
            for (int c = 0; c < classes; c++) {
                double v = p[i][c];
                if (v > 0) {
                    kl += v * (logP[i][c] - logMean[c]);
                }
            }
            kl = Math.max(kl, 0); // KL >= 0; only rounding residue is clamped
            klToMean[i] = kl;
            klSum += kl;
            if (Probabilities.argmax(p[i]) != top) {
                disagree++;
            }
        }
        predictiveEntropy = hMean;
        aleatoric = hSum / particles;
        mutualInformation = klSum / particles;
        disagreement = (double) disagree / particles;
    }
}
