package dev.bella.metrics;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Every metric of a set of predictions in one object, rendered as JSON ({@link #toJson()}) or as a
 * Markdown table ({@link #toMarkdown()}).
 *
 * <p>Input: N x C probabilities of one model, or n x N x C particle probabilities (then the
 * posterior predictive, the mean of the particles' probabilities, is scored); N labels; optionally
 * N OOD flags ({@code true} = out of distribution).
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
 * AUROC when a class never occurs) is reported as missing ({@code null} in JSON, {@code n/a} in
 * Markdown) with a line in {@link #warnings()}; the other metrics are still computed. Bad input
 * (shapes, labels, probabilities, bins) throws {@link IllegalArgumentException}, as do zero
 * in-distribution examples.
 *
 * <p>Immutable and thread-safe.
 */
public final class MetricsReport {

    private final int examples;
    private final int inDistribution;
    private final int classes;
    private final int particles;
    private final boolean hasParticles;
    private final boolean hasOod;
    private final ClassificationResult classification;
    private final Map<Metric, Double> values;
    private final UncertaintyResult uncertainty;
    private final double[] predictiveEntropy;
    private final double[] mutualInformation;
    private final boolean[] ood;
    private final List<String> warnings;

    private MetricsReport(Builder b, Computed c) {
        this.examples = c.examples;
        this.inDistribution = c.inDistribution;
        this.classes = c.classes;
        this.particles = c.particles;
        this.hasParticles = b.particles32 != null || b.particles64 != null;
        this.hasOod = b.ood != null;
        this.classification = c.classification;
        this.values = Collections.unmodifiableMap(c.values);
        this.uncertainty = c.uncertainty;
        this.predictiveEntropy = c.predictiveEntropy;
        this.mutualInformation = c.mutualInformation;
        this.ood = b.ood == null ? null : b.ood.clone();
        this.warnings = List.copyOf(c.warnings);
    }

    /**
     * A builder: set the probabilities (one of the four setters) and the labels, optionally the OOD
     * flags and the number of bins, then {@link Builder#build()}.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * N, the number of examples, in-distribution and OOD.
     *
     * @return N
     */
    public int examples() {
        return examples;
    }

    /**
     * The number of in-distribution examples, on which the classification metrics are computed.
     *
     * @return the count
     */
    public int inDistribution() {
        return inDistribution;
    }

    /**
     * C, the number of classes.
     *
     * @return C
     */
    public int classes() {
        return classes;
    }

    /**
     * n, the number of particles (1 for a single model's probabilities).
     *
     * @return n
     */
    public int particles() {
        return particles;
    }

    /**
     * Accuracy, NLL, Brier, ECE, MCE and the reliability diagram of the (posterior predictive)
     * probabilities on the in-distribution examples.
     *
     * @return the classification result
     */
    public ClassificationResult classification() {
        return classification;
    }

    /**
     * The scalar metrics that apply to this input, in {@link Metric} order; a metric that applies
     * but is undefined for the data maps to NaN (see {@link #warnings()}).
     *
     * @return an unmodifiable map
     */
    public Map<Metric, Double> values() {
        return values;
    }

    /**
     * One metric.
     *
     * @param metric the metric
     * @return its value, empty if it does not apply to this input or is undefined for the data
     */
    public Optional<Double> get(Metric metric) {
        Double v = values.get(metric);
        return v == null || v.isNaN() ? Optional.empty() : Optional.of(v);
    }

    /**
     * The uncertainty means and per-particle diversity on the in-distribution examples.
     *
     * @return the result, empty for a single model's probabilities
     */
    public Optional<UncertaintyResult> uncertainty() {
        return Optional.ofNullable(uncertainty);
    }

    /**
     * The predictive entropy of every example (in-distribution and OOD), for histograms.
     *
     * @return N values in nats, a copy
     */
    public double[] predictiveEntropy() {
        return predictiveEntropy.clone();
    }

    /**
     * The mutual information of every example, for histograms.
     *
     * @return N values in nats (a copy), empty for a single model's probabilities
     */
    public Optional<double[]> mutualInformation() {
        return Optional.ofNullable(mutualInformation).map(double[]::clone);
    }

    /**
     * The OOD flags the report was built with.
     *
     * @return N flags (a copy), empty if none were given
     */
    public Optional<boolean[]> ood() {
        return Optional.ofNullable(ood).map(boolean[]::clone);
    }

    /**
     * Why some applicable metrics are missing, one sentence each.
     *
     * @return an unmodifiable list, empty when every applicable metric is defined
     */
    public List<String> warnings() {
        return warnings;
    }

    /**
     * The report as a JSON object: {@code examples}, {@code in_distribution}, {@code classes},
     * {@code particles}, {@code bins}, every applicable {@link Metric#key()} ({@code null} when
     * undefined), {@code diversity} (per particle, particle input only), {@code reliability} (one
     * object per bin) and {@code warnings}. Numbers are written with {@link
     * Double#toString(double)}, so they parse back to exactly the same doubles.
     *
     * @return the JSON object
     */
    public JsonObject toJsonObject() {
        JsonObject o = new JsonObject();
        o.addProperty("examples", examples);
        o.addProperty("in_distribution", inDistribution);
        o.addProperty("classes", classes);
        o.addProperty("particles", particles);
        o.addProperty("bins", classification.bins());
        for (Map.Entry<Metric, Double> e : values.entrySet()) {
            o.add(e.getKey().key(), number(e.getValue()));
        }
        if (uncertainty != null) {
            JsonArray d = new JsonArray();
            uncertainty.diversity().forEach(v -> d.add(number(v)));
            o.add("diversity", d);
        }
        JsonArray bins = new JsonArray();
        for (ReliabilityDiagram.Bin bin : classification.reliability().bins()) {
            JsonObject b = new JsonObject();
            b.addProperty("bin", bin.index());
            b.add("lower", number(bin.lower()));
            b.add("upper", number(bin.upper()));
            b.addProperty("count", bin.count());
            b.add("mean_confidence", number(bin.meanConfidence()));
            b.add("accuracy", number(bin.accuracy()));
            bins.add(b);
        }
        o.add("reliability", bins);
        JsonArray w = new JsonArray();
        warnings.forEach(w::add);
        o.add("warnings", w);
        return o;
    }

    /**
     * The report as pretty-printed JSON; see {@link #toJsonObject()}.
     *
     * @return the JSON text
     */
    public String toJson() {
        return new GsonBuilder()
                .serializeNulls()
                .setPrettyPrinting()
                .create()
                .toJson(toJsonObject());
    }

    /**
     * The report as Markdown: a table of the metrics (values rounded to 4 decimals, for reading;
     * use {@link #toJson()} for exact values), the reliability diagram as a table, and the
     * warnings.
     *
     * @return the Markdown text
     */
    public String toMarkdown() {
        StringBuilder s = new StringBuilder();
        s.append(
                String.format(
                        Locale.ROOT,
                        "N = %d examples (%d in-distribution), C = %d classes, n = %d particle%s,"
                                + " M = %d bins%n%n",
                        examples,
                        inDistribution,
                        classes,
                        particles,
                        particles == 1 ? "" : "s",
                        classification.bins()));
        s.append("| metric | value |\n|---|---:|\n");
        for (Map.Entry<Metric, Double> e : values.entrySet()) {
            s.append("| ")
                    .append(e.getKey().label())
                    .append(" | ")
                    .append(format(e.getValue()))
                    .append(" |\n");
        }
        if (uncertainty != null) {
            s.append("| diversity KL(p_i || p_bar) per particle | ");
            List<String> d = new ArrayList<>();
            uncertainty.diversity().forEach(v -> d.add(format(v)));
            s.append(String.join(", ", d)).append(" |\n");
        }
        s.append("\nReliability diagram\n\n");
        s.append("| bin | confidence | count | mean confidence | accuracy | gap |\n");
        s.append("|---:|---|---:|---:|---:|---:|\n");
        List<ReliabilityDiagram.Bin> bins = classification.reliability().bins();
        for (ReliabilityDiagram.Bin bin : bins) {
            s.append(
                    String.format(
                            Locale.ROOT,
                            "| %d | [%.4f, %.4f%s | %d | %s | %s | %s |%n",
                            bin.index(),
                            bin.lower(),
                            bin.upper(),
                            bin.index() == bins.size() - 1 ? "]" : ")",
                            bin.count(),
                            format(bin.meanConfidence()),
                            format(bin.accuracy()),
                            format(bin.gap())));
        }
        if (!warnings.isEmpty()) {
            s.append('\n');
            warnings.forEach(w -> s.append("- warning: ").append(w).append('\n'));
        }
        return s.toString();
    }

    @Override
    public String toString() {
        return toJson();
    }

    private static JsonElement number(double v) {
        return Double.isNaN(v) || Double.isInfinite(v) ? JsonNull.INSTANCE : new JsonPrimitive(v);
    }

    private static String format(double v) {
        return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%.4f", v);
    }

    /** What {@link Builder#build()} computes. */
    private static final class Computed {
        int examples;
        int inDistribution;
        int classes;
        int particles;
        ClassificationResult classification;
        final Map<Metric, Double> values = new EnumMap<>(Metric.class);
        UncertaintyResult uncertainty;
        double[] predictiveEntropy;
        double[] mutualInformation;
        final List<String> warnings = new ArrayList<>();
    }

    /**
     * Builds a {@link MetricsReport}. Set exactly one of the probability inputs. Not thread-safe;
     * the arrays are read during {@link #build()}, not copied before.
     */
    public static final class Builder {
        private float[][] probs32;
        private double[][] probs64;
        private float[][][] particles32;
        private double[][][] particles64;
        private int[] labels;
        private boolean[] ood;
        private int bins = ClassificationMetrics.DEFAULT_BINS;

        private Builder() {}

        /**
         * Sets the N x C probabilities of a single model.
         *
         * @param probs the probabilities
         * @return this builder
         */
        public Builder setProbabilities(float[][] probs) {
            this.probs32 = probs;
            return this;
        }

        /**
         * Sets the N x C probabilities of a single model, in double precision.
         *
         * @param probs the probabilities
         * @return this builder
         */
        public Builder setProbabilities(double[][] probs) {
            this.probs64 = probs;
            return this;
        }

        /**
         * Sets the n x N x C probabilities of n particles (particle first).
         *
         * @param particles the probabilities
         * @return this builder
         */
        public Builder setParticleProbabilities(float[][][] particles) {
            this.particles32 = particles;
            return this;
        }

        /**
         * Sets the n x N x C probabilities of n particles, in double precision.
         *
         * @param particles the probabilities
         * @return this builder
         */
        public Builder setParticleProbabilities(double[][][] particles) {
            this.particles64 = particles;
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
            int set =
                    (probs32 != null ? 1 : 0)
                            + (probs64 != null ? 1 : 0)
                            + (particles32 != null ? 1 : 0)
                            + (particles64 != null ? 1 : 0);
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
            Computed c = new Computed();
            double[][] scored; // the probabilities that are scored: p_bar or the single model's
            if (particles32 != null || particles64 != null) {
                int[] shape =
                        particles32 != null
                                ? ParticleKernel.shape(particles32)
                                : ParticleKernel.shape(particles64);
                c.examples = shape[0];
                c.classes = shape[1];
                c.particles = particles32 != null ? particles32.length : particles64.length;
                checkLengths(c.examples);
                UncertaintyScores all =
                        particles32 != null
                                ? Uncertainty.of(particles32)
                                : Uncertainty.of(particles64);
                c.predictiveEntropy = all.predictiveEntropy();
                c.mutualInformation = all.mutualInformation();
                scored =
                        particles32 != null
                                ? Uncertainty.posteriorPredictive(particles32)
                                : Uncertainty.posteriorPredictive(particles64);
                c.uncertainty =
                        ood == null
                                ? all.means()
                                : (particles32 != null
                                        ? UncertaintyMetrics.create()
                                                .accept(select(particles32))
                                                .result()
                                        : UncertaintyMetrics.create()
                                                .accept(select(particles64))
                                                .result());
            } else {
                scored = probs64 != null ? probs64 : widen(probs32);
                c.classes = Checks.columns(scored, "probs");
                c.examples = scored.length;
                c.particles = 1;
                checkLengths(c.examples);
                Checks.nonEmpty("probs", c.examples);
                c.predictiveEntropy = Uncertainty.entropy(scored);
            }
            double[][] id = select(scored);
            int[] idLabels = select(labels);
            c.inDistribution = id.length;
            c.classification = ClassificationMetrics.of(id, idLabels, bins);
            c.values.put(Metric.ACCURACY, c.classification.accuracy());
            c.values.put(Metric.NLL, c.classification.nll());
            c.values.put(Metric.ECE, c.classification.ece());
            c.values.put(Metric.MCE, c.classification.mce());
            c.values.put(Metric.BRIER, c.classification.brier());
            c.values.put(Metric.BRIER_HALVED, c.classification.brierHalved());
            c.values.put(
                    Metric.AUROC_OVR,
                    guard(c, "auroc_ovr", () -> Ranking.macroAurocOvr(id, idLabels)));
            double[] idEntropy = select(c.predictiveEntropy);
            c.values.put(Metric.PREDICTIVE_ENTROPY, mean(idEntropy));
            if (c.uncertainty != null) {
                c.values.put(Metric.ALEATORIC, c.uncertainty.aleatoric());
                c.values.put(Metric.MUTUAL_INFORMATION, c.uncertainty.mutualInformation());
                c.values.put(Metric.DISAGREEMENT, c.uncertainty.disagreement());
            }
            boolean[] wrong = Probabilities.misclassified(id, idLabels);
            c.values.put(
                    Metric.MISCLASSIFICATION_AUROC_ENTROPY,
                    guard(
                            c,
                            "misclassification_auroc_entropy",
                            () -> Ranking.auroc(idEntropy, wrong)));
            if (ood != null) {
                detection(
                        c,
                        c.predictiveEntropy,
                        "entropy",
                        Metric.OOD_AUROC_ENTROPY,
                        Metric.OOD_AUPR_ENTROPY,
                        Metric.OOD_FPR95_ENTROPY);
                if (c.mutualInformation != null) {
                    detection(
                            c,
                            c.mutualInformation,
                            "mi",
                            Metric.OOD_AUROC_MI,
                            Metric.OOD_AUPR_MI,
                            Metric.OOD_FPR95_MI);
                }
            }
            return new MetricsReport(this, c);
        }

        private void detection(
                Computed c, double[] scores, String name, Metric auroc, Metric aupr, Metric fpr) {
            DetectionResult r = null;
            try {
                r = DetectionMetrics.of(scores, ood);
            } catch (IllegalArgumentException e) {
                c.warnings.add("ood_*_" + name + " undefined: " + e.getMessage());
            }
            c.values.put(auroc, r == null ? Double.NaN : r.auroc());
            c.values.put(aupr, r == null ? Double.NaN : r.aupr());
            c.values.put(fpr, r == null ? Double.NaN : r.fpr95());
        }

        private static double guard(
                Computed c, String key, java.util.function.DoubleSupplier metric) {
            try {
                return metric.getAsDouble();
            } catch (IllegalArgumentException e) {
                c.warnings.add(key + " undefined: " + e.getMessage());
                return Double.NaN;
            }
        }

        private void checkLengths(int n) {
            Checks.sameLength("labels", labels.length, "probs rows", n);
            if (ood != null) {
                Checks.sameLength("ood", ood.length, "probs rows", n);
                if (n > 0 && inDistributionCount() == 0) {
                    throw new IllegalArgumentException(
                            "no in-distribution example: all "
                                    + n
                                    + " examples are flagged OOD, so accuracy and calibration are"
                                    + " undefined");
                }
            }
        }

        private static double mean(double[] v) {
            double s = 0;
            for (double x : v) {
                s += x;
            }
            return s / v.length;
        }

        private static double[][] widen(float[][] probs) {
            Checks.columns(probs, "probs");
            double[][] out = new double[probs.length][];
            for (int n = 0; n < probs.length; n++) {
                out[n] = new double[probs[n].length];
                for (int k = 0; k < out[n].length; k++) {
                    out[n][k] = probs[n][k];
                }
            }
            return out;
        }

        private int inDistributionCount() {
            int k = 0;
            for (boolean o : ood) {
                if (!o) {
                    k++;
                }
            }
            return k;
        }

        private double[][] select(double[][] rows) {
            if (ood == null) {
                return rows;
            }
            double[][] out = new double[inDistributionCount()][];
            for (int n = 0, k = 0; n < rows.length; n++) {
                if (!ood[n]) {
                    out[k++] = rows[n];
                }
            }
            return out;
        }

        private int[] select(int[] v) {
            if (ood == null) {
                return v;
            }
            int[] out = new int[inDistributionCount()];
            for (int n = 0, k = 0; n < v.length; n++) {
                if (!ood[n]) {
                    out[k++] = v[n];
                }
            }
            return out;
        }

        private double[] select(double[] v) {
            if (ood == null) {
                return v;
            }
            double[] out = new double[inDistributionCount()];
            for (int n = 0, k = 0; n < v.length; n++) {
                if (!ood[n]) {
                    out[k++] = v[n];
                }
            }
            return out;
        }

        private float[][][] select(float[][][] p) {
            float[][][] out = new float[p.length][][];
            for (int i = 0; i < p.length; i++) {
                out[i] = new float[inDistributionCount()][];
                for (int n = 0, k = 0; n < p[i].length; n++) {
                    if (!ood[n]) {
                        out[i][k++] = p[i][n];
                    }
                }
            }
            return out;
        }

        private double[][][] select(double[][][] p) {
            double[][][] out = new double[p.length][][];
            for (int i = 0; i < p.length; i++) {
                out[i] = select(p[i]);
            }
            return out;
        }
    }
}
