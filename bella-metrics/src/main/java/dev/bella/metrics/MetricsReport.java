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

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Every metric of a set of predictions, as data: computed by {@link #builder()}, rendered elsewhere
 * ({@code dev.bella.metrics.render.JsonRenderer}, {@code
 * dev.bella.metrics.render.MarkdownRenderer}, {@code dev.bella.metrics.plot.MetricsPlots}).
 *
 * <p>Input: N x C probabilities of one model ({@link ProbabilityMatrix}), or n x N x C particle
 * probabilities ({@link ParticleProbabilities}; then the posterior predictive, the mean of the
 * particles' probabilities, is scored); N labels; optionally N OOD flags ({@code true} = out of
 * distribution).
 *
 * <p>What is computed on which examples:
 *
 * <ul>
 *   <li>accuracy, NLL, ECE, MCE, Brier, macro one-vs-rest AUROC, misclassification AUROC and the
 *       uncertainty means use the in-distribution examples only (all examples without OOD flags);
 *       the labels of OOD examples are ignored and may be any value (e.g. -1);
 *   <li>the {@code ood_*} metrics use all examples, with predictive entropy or mutual information
 *       as the score and OOD as the positive class;
 *   <li>aleatoric, mutual information, disagreement, diversity and the {@code ood_*_mi} metrics
 *       exist for particle input only; for one model predictive entropy is the entropy of its
 *       probabilities.
 * </ul>
 *
 * <p>A metric that applies to the input but is undefined for the data (for instance the one-vs-rest
 * AUROC when a class never occurs) maps to NaN in {@link #values()} (and is empty in {@link
 * #get(ReportMetric)}) with a line in {@link #warnings()}; the other metrics are still computed.
 * Bad input (shapes, labels, probabilities, bins) throws {@link IllegalArgumentException}, as do
 * zero in-distribution examples.
 *
 * <p>Immutable and thread-safe: every list and the map are unmodifiable copies.
 *
 * @param examples N, the number of examples, in-distribution and OOD
 * @param inDistribution the number of in-distribution examples, on which the classification metrics
 *     are computed
 * @param classes C, the number of classes
 * @param particles n, the number of particles (1 for a single model's probabilities)
 * @param classification accuracy, NLL, Brier, ECE, MCE and the reliability diagram of the
 *     (posterior predictive) probabilities on the in-distribution examples
 * @param values the scalar metrics that apply to this input, in {@link ReportMetric} order; a
 *     metric that applies but is undefined for the data maps to NaN
 * @param diversity per particle, the mean over in-distribution examples of \( KL(p_i \| \bar p) \);
 *     empty for a single model's probabilities
 * @param predictiveEntropy the predictive entropy of every example (in-distribution and OOD), in
 *     nats, for histograms
 * @param mutualInformation the mutual information of every example, in nats; empty for a single
 *     model's probabilities
 * @param ood the OOD flags the report was built with; empty if none were given
 * @param warnings why some applicable metrics are missing, one sentence each
 */
public record MetricsReport(
        int examples,
        int inDistribution,
        int classes,
        int particles,
        ClassificationResult classification,
        Map<ReportMetric, Double> values,
        List<Double> diversity,
        List<Double> predictiveEntropy,
        List<Double> mutualInformation,
        List<Boolean> ood,
        List<String> warnings) {

    /**
     * Validates and copies the report.
     *
     * @throws IllegalArgumentException if a count is out of range or a per-example list does not
     *     have one entry per example
     */
    public MetricsReport {
        if (examples < 1 || inDistribution < 1 || inDistribution > examples) {
            throw new IllegalArgumentException(
                    "examples = "
                            + examples
                            + " and inDistribution = "
                            + inDistribution
                            + " must satisfy 1 <= inDistribution <= examples");
        }
        if (classes < 1 || particles < 1) {
            throw new IllegalArgumentException(
                    "classes = " + classes + " and particles = " + particles + " must be positive");
        }
        Checks.notNull(classification, "classification");
        Checks.notNull(values, "values");
        Map<ReportMetric, Double> copy = new EnumMap<>(ReportMetric.class);
        copy.putAll(values);
        values = Collections.unmodifiableMap(copy);
        diversity = List.copyOf(diversity);
        predictiveEntropy = List.copyOf(predictiveEntropy);
        mutualInformation = List.copyOf(mutualInformation);
        ood = List.copyOf(ood);
        warnings = List.copyOf(warnings);
        if (!diversity.isEmpty()) {
            checkSize("diversity", diversity.size(), particles);
        }
        checkSize("predictiveEntropy", predictiveEntropy.size(), examples);
        if (!mutualInformation.isEmpty()) {
            checkSize("mutualInformation", mutualInformation.size(), examples);
        }
        if (!ood.isEmpty()) {
            checkSize("ood", ood.size(), examples);
        }
    }

    private static void checkSize(String name, int size, int expected) {
        if (size != expected) {
            throw new IllegalArgumentException(name + ".size() = " + size + " must be " + expected);
        }
    }

    /**
     * A builder: set the probabilities (one of the two setters) and the labels, optionally the OOD
     * flags and the number of bins, then {@link Builder#build()}.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * One metric.
     *
     * @param metric the metric
     * @return its value, empty if it does not apply to this input or is undefined for the data
     */
    public Optional<Double> get(ReportMetric metric) {
        Double v = values.get(metric);
        return v == null || v.isNaN() ? Optional.empty() : Optional.of(v);
    }

    /**
     * Whether the report has an uncertainty split: computed from particle probabilities (then
     * aleatoric, mutual information, disagreement and diversity exist) or given in closed form
     * ({@link #hasClosedFormUncertainty()}: no disagreement or diversity).
     *
     * @return {@code true} for particle input or a closed-form split
     */
    public boolean hasParticles() {
        return !mutualInformation.isEmpty();
    }

    /**
     * Whether the uncertainty split came in closed form with a single predictive ({@link
     * Builder#optUncertainty}) rather than from particle probabilities: then aleatoric, mutual
     * information and the {@code ood_*_mi} metrics exist, but disagreement and diversity do not.
     *
     * @return {@code true} for a closed-form split
     */
    public boolean hasClosedFormUncertainty() {
        return !mutualInformation.isEmpty() && !values.containsKey(ReportMetric.DISAGREEMENT);
    }

    /**
     * Whether OOD flags were given (so that the {@code ood_*} metrics exist).
     *
     * @return {@code true} if there are OOD flags
     */
    public boolean hasOod() {
        return !ood.isEmpty();
    }

    /**
     * A one-line summary (the per-example lists are long): the sizes and the scalar metrics.
     *
     * @return the summary
     */
    @Override
    public String toString() {
        return "MetricsReport[examples="
                + examples
                + ", inDistribution="
                + inDistribution
                + ", classes="
                + classes
                + ", particles="
                + particles
                + ", bins="
                + classification.bins()
                + ", values="
                + values
                + ", warnings="
                + warnings.size()
                + "]";
    }

    /**
     * Computes a {@link MetricsReport}. Set exactly one of the probability inputs. Not thread-safe;
     * the views are read during {@link #build()}, not copied before.
     */
    public static final class Builder {
        private ProbabilityMatrix probs;
        private ParticleProbabilities particles;
        private int[] labels;
        private boolean[] ood;
        private int bins = ClassificationMetrics.DEFAULT_BINS;
        private double[] closedAleatoric;
        private double[] closedMi;

        private Builder() {}

        /**
         * Sets the N x C probabilities of a single model.
         *
         * @param probs the probabilities
         * @return this builder
         */
        public Builder setProbabilities(ProbabilityMatrix probs) {
            this.probs = probs;
            return this;
        }

        /**
         * Sets the n x N x C probabilities of n particles (particle first).
         *
         * @param particles the probabilities
         * @return this builder
         */
        public Builder setParticleProbabilities(ParticleProbabilities particles) {
            this.particles = particles;
            return this;
        }

        /**
         * Sets the uncertainty split of a single predictive that knows it in closed form (a
         * Dirichlet student: \( \mathbb{E}[H] \) and \( H[\bar p] - \mathbb{E}[H] \) of its
         * Dirichlet), for {@link #setProbabilities} input only. The report then has the aleatoric
         * and mutual-information means, the {@code ood_*_mi} metrics and the per-example mutual
         * information from these values; disagreement and diversity, which need samples, stay
         * absent ({@link MetricsReport#hasClosedFormUncertainty()}).
         *
         * @param aleatoric N expected entropies in nats, finite and {@code >= 0}
         * @param mutualInformation N mutual informations in nats, finite and {@code >= 0}
         * @return this builder
         */
        public Builder optUncertainty(double[] aleatoric, double[] mutualInformation) {
            this.closedAleatoric = aleatoric;
            this.closedMi = mutualInformation;
            return this;
        }

        /**
         * Sets the N labels, in [0, C) for in-distribution examples (any value for OOD ones).
         *
         * @param labels the labels
         * @return this builder
         */
        public Builder setLabels(int[] labels) {
            this.labels = labels;
            return this;
        }

        /**
         * Sets the N OOD flags, {@code true} = out of distribution (the positive class of the
         * {@code ood_*} metrics).
         *
         * @param ood the flags, or {@code null} for none
         * @return this builder
         */
        public Builder optOod(boolean[] ood) {
            this.ood = ood;
            return this;
        }

        /**
         * Sets the number of confidence bins M (default 15).
         *
         * @param bins M, positive
         * @return this builder
         */
        public Builder optBins(int bins) {
            this.bins = bins;
            return this;
        }

        /**
         * Computes the report.
         *
         * @return the report
         * @throws IllegalArgumentException if not exactly one probability input is set, labels are
         *     missing, or on bad input (shapes, labels, probabilities, bins, no in-distribution
         *     example)
         */
        public MetricsReport build() {
            int set = (probs != null ? 1 : 0) + (particles != null ? 1 : 0);
            if (set != 1) {
                throw new IllegalArgumentException(
                        "set exactly one of setProbabilities(...) and"
                                + " setParticleProbabilities(...), "
                                + set
                                + " were set");
            }
            if (labels == null) {
                throw new IllegalArgumentException("labels not set: call setLabels(labels) first");
            }
            Checks.positiveBins(bins);
            List<String> warnings = new ArrayList<>();
            Map<ReportMetric, Double> values = new EnumMap<>(ReportMetric.class);
            boolean[] keep = null;
            int examples;
            int classes;
            int n;
            ProbabilityMatrix scored; // the probabilities that are scored: p_bar or the model's
            double[] entropy;
            double[] mi = null;
            UncertaintyResult uncertainty = null;
            if (particles != null && (closedAleatoric != null || closedMi != null)) {
                throw new IllegalArgumentException(
                        "optUncertainty(...) is for a single predictive set with"
                                + " setProbabilities(...); particle probabilities carry their own"
                                + " uncertainty");
            }
            if (particles != null) {
                examples = particles.rows();
                classes = particles.classes();
                n = particles.particles();
                keep = checkLengths(examples);
                Checks.nonEmpty("particles[0]", examples);
                UncertaintyScores all = Uncertainty.of(particles);
                entropy = all.predictiveEntropy();
                mi = all.mutualInformation();
                scored = Uncertainty.posteriorPredictive(particles);
                uncertainty =
                        keep == null
                                ? all.means()
                                : UncertaintyMetrics.create()
                                        .accept(particles.select(keep))
                                        .result();
            } else {
                examples = probs.rows();
                classes = probs.classes();
                n = 1;
                keep = checkLengths(examples);
                Checks.nonEmpty("probs", examples);
                scored = probs;
                entropy = Uncertainty.entropy(probs);
                if (closedAleatoric != null || closedMi != null) {
                    mi = closedForm(closedMi, "mutualInformation", examples);
                    double[] aleatoric = closedForm(closedAleatoric, "aleatoric", examples);
                    values.put(ReportMetric.ALEATORIC, mean(select(aleatoric, keep)));
                    values.put(ReportMetric.MUTUAL_INFORMATION, mean(select(mi, keep)));
                }
            }
            ProbabilityMatrix id = keep == null ? scored : scored.select(keep);
            int[] idLabels = select(labels, keep);
            ClassificationResult classification = ClassificationMetrics.of(id, idLabels, bins);
            values.put(ReportMetric.ACCURACY, classification.accuracy());
            values.put(ReportMetric.NLL, classification.nll());
            values.put(ReportMetric.ECE, classification.ece());
            values.put(ReportMetric.MCE, classification.mce());
            values.put(ReportMetric.BRIER, classification.brier());
            values.put(ReportMetric.BRIER_HALVED, classification.brierHalved());
            values.put(
                    ReportMetric.AUROC_OVR,
                    guard(warnings, "auroc_ovr", () -> Ranking.macroAurocOvr(id, idLabels)));
            double[] idEntropy = select(entropy, keep);
            values.put(ReportMetric.PREDICTIVE_ENTROPY, mean(idEntropy));
            if (uncertainty != null) {
                values.put(ReportMetric.ALEATORIC, uncertainty.aleatoric());
                values.put(ReportMetric.MUTUAL_INFORMATION, uncertainty.mutualInformation());
                values.put(ReportMetric.DISAGREEMENT, uncertainty.disagreement());
            }
            boolean[] wrong = Probabilities.misclassified(id, idLabels);
            values.put(
                    ReportMetric.MISCLASSIFICATION_AUROC_ENTROPY,
                    guard(
                            warnings,
                            "misclassification_auroc_entropy",
                            () -> Ranking.auroc(Scores.of(idEntropy), wrong)));
            if (ood != null) {
                detection(
                        values,
                        warnings,
                        entropy,
                        "entropy",
                        ReportMetric.OOD_AUROC_ENTROPY,
                        ReportMetric.OOD_AUPR_ENTROPY,
                        ReportMetric.OOD_FPR95_ENTROPY);
                if (mi != null) {
                    detection(
                            values,
                            warnings,
                            mi,
                            "mi",
                            ReportMetric.OOD_AUROC_MI,
                            ReportMetric.OOD_AUPR_MI,
                            ReportMetric.OOD_FPR95_MI);
                }
            }
            List<Boolean> flags = new ArrayList<>();
            if (ood != null) {
                for (boolean b : ood) {
                    flags.add(b);
                }
            }
            return new MetricsReport(
                    examples,
                    id.rows(),
                    classes,
                    n,
                    classification,
                    values,
                    uncertainty == null ? List.of() : uncertainty.diversity(),
                    boxed(entropy),
                    mi == null ? List.of() : boxed(mi),
                    flags,
                    warnings);
        }

        private void detection(
                Map<ReportMetric, Double> values,
                List<String> warnings,
                double[] scores,
                String name,
                ReportMetric auroc,
                ReportMetric aupr,
                ReportMetric fpr) {
            DetectionResult r = null;
            try {
                r = DetectionMetrics.of(Scores.of(scores), ood);
            } catch (IllegalArgumentException e) {
                warnings.add("ood_*_" + name + " undefined: " + e.getMessage());
            }
            values.put(auroc, r == null ? Double.NaN : r.auroc());
            values.put(aupr, r == null ? Double.NaN : r.aupr());
            values.put(fpr, r == null ? Double.NaN : r.fpr95());
        }

        private static double guard(
                List<String> warnings, String key, java.util.function.DoubleSupplier metric) {
            try {
                return metric.getAsDouble();
            } catch (IllegalArgumentException e) {
                warnings.add(key + " undefined: " + e.getMessage());
                return Double.NaN;
            }
        }

        /** Checks the lengths; returns the in-distribution flags, or null without OOD flags. */
        private boolean[] checkLengths(int n) {
            Checks.sameLength("labels", labels.length, "probs rows", n);
            if (ood == null) {
                return null;
            }
            Checks.sameLength("ood", ood.length, "probs rows", n);
            boolean[] keep = new boolean[n];
            int k = 0;
            for (int i = 0; i < n; i++) {
                keep[i] = !ood[i];
                k += keep[i] ? 1 : 0;
            }
            if (n > 0 && k == 0) {
                throw new IllegalArgumentException(
                        "no in-distribution example: all "
                                + n
                                + " examples are flagged OOD, so accuracy and calibration are"
                                + " undefined");
            }
            return keep;
        }

        private static double[] closedForm(double[] v, String name, int examples) {
            if (v == null) {
                throw new IllegalArgumentException(
                        "optUncertainty needs both aleatoric and mutualInformation, "
                                + name
                                + " is null");
            }
            Checks.sameLength(name, v.length, "probs rows", examples);
            for (int i = 0; i < v.length; i++) {
                if (!(v[i] >= 0 && Double.isFinite(v[i]))) {
                    throw new IllegalArgumentException(
                            name + "[" + i + "] = " + v[i] + " must be finite and >= 0");
                }
            }
            return v.clone();
        }

        private static double mean(double[] v) {
            double s = 0;
            for (double x : v) {
                s += x;
            }
            return s / v.length;
        }

        private static List<Double> boxed(double[] v) {
            List<Double> out = new ArrayList<>(v.length);
            for (double x : v) {
                out.add(x);
            }
            return out;
        }

        private static int[] select(int[] v, boolean[] keep) {
            if (keep == null) {
                return v;
            }
            int k = 0;
            for (boolean b : keep) {
                k += b ? 1 : 0;
            }
            int[] out = new int[k];
            for (int i = 0, j = 0; i < v.length; i++) {
                if (keep[i]) {
                    out[j++] = v[i];
                }
            }
            return out;
        }

        private static double[] select(double[] v, boolean[] keep) {
            if (keep == null) {
                return v;
            }
            int k = 0;
            for (boolean b : keep) {
                k += b ? 1 : 0;
            }
            double[] out = new double[k];
            for (int i = 0, j = 0; i < v.length; i++) {
                if (keep[i]) {
                    out[j++] = v[i];
                }
            }
            return out;
        }
    }
}
