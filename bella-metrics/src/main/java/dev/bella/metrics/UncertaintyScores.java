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
 * Per-example uncertainty of N examples under n particles, with the means (see {@link Uncertainty}
 * for the definitions). The arrays are copied on the way out, so an instance is immutable and
 * thread-safe.
 */
public final class UncertaintyScores {

    private final double[] predictiveEntropy;
    private final double[] aleatoric;
    private final double[] mutualInformation;
    private final double[] disagreement;
    private final UncertaintyResult means;

    private UncertaintyScores(Builder b, UncertaintyResult means) {
        this.predictiveEntropy = b.predictiveEntropy;
        this.aleatoric = b.aleatoric;
        this.mutualInformation = b.mutualInformation;
        this.disagreement = b.disagreement;
        this.means = means;
    }

    /**
     * The number of examples.
     *
     * @return N
     */
    public int count() {
        return predictiveEntropy.length;
    }

    /**
     * Predictive (total) entropy \( H[\bar p] \) of each example.
     *
     * @return N values in nats, a copy
     */
    public double[] predictiveEntropy() {
        return predictiveEntropy.clone();
    }

    /**
     * Aleatoric uncertainty (expected entropy) of each example.
     *
     * @return N values in nats, a copy
     */
    public double[] aleatoric() {
        return aleatoric.clone();
    }

    /**
     * Epistemic uncertainty (mutual information) of each example.
     *
     * @return N values in nats, a copy
     */
    public double[] mutualInformation() {
        return mutualInformation.clone();
    }

    /**
     * Fraction of particles disagreeing with the posterior predictive's class, per example.
     *
     * @return N values in [0, 1], a copy
     */
    public double[] disagreement() {
        return disagreement.clone();
    }

    /**
     * The means over examples, and the per-particle diversity.
     *
     * @return the means
     */
    public UncertaintyResult means() {
        return means;
    }

    /** Fills the arrays example by example. */
    static final class Builder {
        private final double[] predictiveEntropy;
        private final double[] aleatoric;
        private final double[] mutualInformation;
        private final double[] disagreement;

        Builder(int count, int particles) {
            predictiveEntropy = new double[count];
            aleatoric = new double[count];
            mutualInformation = new double[count];
            disagreement = new double[count];
        }

        void set(int n, UncertaintyScan k) {
            predictiveEntropy[n] = k.predictiveEntropy;
            aleatoric[n] = k.aleatoric;
            mutualInformation[n] = k.mutualInformation;
            disagreement[n] = k.disagreement;
        }

        UncertaintyScores build(UncertaintyResult means) {
            return new UncertaintyScores(this, means);
        }
    }
}
