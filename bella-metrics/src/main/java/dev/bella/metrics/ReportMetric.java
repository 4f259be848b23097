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
 * The scalar metrics of a {@link MetricsReport}, each with the key it has in the report's JSON and
 * Markdown. Definitions are in the classes that compute them ({@link ClassificationMetrics}, {@link
 * Ranking}, {@link Uncertainty}) and in {@code docs/metrics.md}.
 */
public enum ReportMetric {
    /** Fraction of examples whose predicted class (first argmax) equals the label. */
    ACCURACY("accuracy", "accuracy"),
    /** Mean negative log-likelihood in nats, probabilities clamped below at 1e-12. */
    NLL("nll", "NLL (nats)"),
    /** Top-label expected calibration error, M equal-width bins, last bin closed at 1. */
    ECE("ece", "ECE"),
    /** Maximum calibration error over the non-empty bins. */
    MCE("mce", "MCE"),
    /** Brier score, sum over classes, mean over examples, in [0, 2]. */
    BRIER("brier", "Brier (sum over classes)"),
    /** Brier score divided by 2, in [0, 1] (scikit-learn's for two classes). */
    BRIER_HALVED("brier_halved", "Brier / 2"),
    /** Macro-averaged one-vs-rest AUROC of the probabilities. */
    AUROC_OVR("auroc_ovr", "AUROC (macro one-vs-rest)"),
    /** Mean predictive entropy of the posterior predictive (total uncertainty), nats. */
    PREDICTIVE_ENTROPY("predictive_entropy", "predictive entropy (nats)"),
    /** Mean expected entropy of the particles (aleatoric uncertainty), nats. */
    ALEATORIC("aleatoric", "aleatoric: expected entropy (nats)"),
    /** Mean mutual information (epistemic uncertainty), nats. */
    MUTUAL_INFORMATION("mutual_information", "epistemic: mutual information (nats)"),
    /** Mean fraction of particles disagreeing with the posterior predictive's class. */
    DISAGREEMENT("disagreement", "disagreement rate"),
    /** AUROC of predictive entropy for misclassification detection (positive = wrong). */
    MISCLASSIFICATION_AUROC_ENTROPY(
            "misclassification_auroc_entropy", "misclassification AUROC (entropy)"),
    /** OOD-detection AUROC with predictive entropy as the score (positive = OOD). */
    OOD_AUROC_ENTROPY("ood_auroc_entropy", "OOD AUROC (entropy)"),
    /** OOD-detection average precision with predictive entropy as the score. */
    OOD_AUPR_ENTROPY("ood_aupr_entropy", "OOD AUPR (entropy)"),
    /** OOD-detection FPR at 95% TPR with predictive entropy as the score. */
    OOD_FPR95_ENTROPY("ood_fpr95_entropy", "OOD FPR@95%TPR (entropy)"),
    /** OOD-detection AUROC with mutual information as the score (particles only). */
    OOD_AUROC_MI("ood_auroc_mi", "OOD AUROC (MI)"),
    /** OOD-detection average precision with mutual information as the score (particles only). */
    OOD_AUPR_MI("ood_aupr_mi", "OOD AUPR (MI)"),
    /** OOD-detection FPR at 95% TPR with mutual information as the score (particles only). */
    OOD_FPR95_MI("ood_fpr95_mi", "OOD FPR@95%TPR (MI)");

    private final String key;
    private final String label;

    ReportMetric(String key, String label) {
        this.key = key;
        this.label = label;
    }

    /**
     * The key in the report's JSON, in snake case (e.g. {@code "ood_auroc_entropy"}).
     *
     * @return the key
     */
    public String key() {
        return key;
    }

    /**
     * A short human-readable name, as in the Markdown table.
     *
     * @return the label
     */
    public String label() {
        return label;
    }
}
