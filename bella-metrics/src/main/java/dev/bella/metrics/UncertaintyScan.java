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
 * The per-example uncertainty scan shared by {@link Uncertainty} and {@link UncertaintyMetrics}:
 * from the n particle rows of one example (copied into double precision), the posterior predictive
 * and every uncertainty quantity. Not thread-safe (scratch buffers); one instance per caller.
 */
final class UncertaintyScan {

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

    UncertaintyScan(int particles, int classes) {
        this.particles = particles;
        this.classes = classes;
        this.p = new double[particles][classes];
        this.logP = new double[particles][classes];
        this.mean = new double[classes];
        this.klToMean = new double[particles];
    }

    /** Loads example {@code n} of the particles, checking every particle's row, and computes. */
    void load(ParticleProbabilities particles, int n) {
        float[] v = particles.values();
        int rows = particles.rows();
        for (int i = 0; i < this.particles; i++) {
            int o = (i * rows + n) * classes;
            double sum = 0;
            boolean bad = false;
            for (int c = 0; c < classes; c++) {
                float x = v[o + c];
                bad |= !(x >= 0) || Float.isInfinite(x);
                sum += x;
                p[i][c] = x;
            }
            if (bad || !(Math.abs(sum - 1) <= Probabilities.ROW_SUM_TOLERANCE)) {
                throw Checks.badRow(
                        "particles[" + i + "][" + n + "]", v, o, classes, bad ? Double.NaN : sum);
            }
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
        int top = argmax(mean);
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
            if (argmax(p[i]) != top) {
                disagree++;
            }
        }
        predictiveEntropy = hMean;
        aleatoric = hSum / particles;
        mutualInformation = klSum / particles;
        disagreement = (double) disagree / particles;
    }

    /** The first index of the largest entry. */
    private static int argmax(double[] row) {
        int best = 0;
        for (int c = 1; c < row.length; c++) {
            if (row[c] > row[best]) {
                best = c;
            }
        }
        return best;
    }
}
