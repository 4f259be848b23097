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
package dev.bella.examples.study;

import dev.bella.metrics.MetricsReport;
import dev.bella.metrics.ReportMetric;
import dev.bella.metrics.io.AtomicFiles;
import dev.bella.metrics.plot.MetricsPlots;
import dev.bella.metrics.render.JsonRenderer;
import dev.bella.metrics.shift.Corruption;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/** Renders the study's table (console and Markdown) and writes the plots. */
final class StudyReport {

    /** The FGSM step sizes the study evaluates. */
    static final double[] FGSM_EPSILONS = {0.001, 0.005, 0.01, 0.03};

    /** The corruption severities the study evaluates, 1 to this. */
    static final int SEVERITIES = Corruption.MAX_SEVERITY - Corruption.MIN_SEVERITY + 1;

    private StudyReport() {}

    static void write(
            StudySettings s, Study.Data data, List<MethodResult> results, PrintWriter console)
            throws IOException {
        Files.createDirectories(s.out());
        StringBuilder md = new StringBuilder();
        md.append("# Bella study: ").append(data.idDescription()).append("\n\n");
        md.append(
                String.format(
                        Locale.ROOT,
                        "Source %d, target %d, test %d images; OOD: %s (%d images). n = %d, r = %d,"
                                + " gamma = %s, prior precision %s, %d fine-tuning epochs, seed"
                                + " %d.%n%n",
                        data.source().size(),
                        data.target().size(),
                        data.test().size(),
                        data.oodDescription(),
                        data.ood().size(),
                        s.particles(),
                        s.rank(),
                        s.gamma(),
                        s.priorPrecision(),
                        s.epochs(),
                        s.seed()));
        md.append("## Calibration, OOD detection and cost\n\n");
        md.append(
                "| method | accuracy | NLL | ECE | MCE | MCE bin n | Brier | OOD AUROC (entropy) |"
                        + " OOD AUROC (MI) | trainable | stored | train s |\n");
        md.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (MethodResult r : results) {
            MetricsReport m = r.report();
            md.append(
                    String.format(
                            Locale.ROOT,
                            "| %s | %.4f | %.4f | %.4f | %s | %d | %.4f | %.4f | %s | %,d | %s |"
                                    + " %.1f |%n",
                            r.name(),
                            m.classification().accuracy(),
                            m.classification().nll(),
                            m.classification().ece(),
                            Double.isNaN(r.mce())
                                    ? "—"
                                    : String.format(Locale.ROOT, "%.4f", r.mce()),
                            r.mceBinCount(),
                            m.classification().brier(),
                            m.get(ReportMetric.OOD_AUROC_ENTROPY).orElse(Double.NaN),
                            r.epistemic()
                                    ? String.format(
                                            Locale.ROOT,
                                            "%.4f",
                                            m.get(ReportMetric.OOD_AUROC_MI).orElse(Double.NaN))
                                    : "—",
                            r.trainableTotal(),
                            bytes(r.adapterBytes()),
                            r.trainSeconds()));
        }
        md.append("\n").append(mceNote(s, results)).append("\n");
        md.append("\n## Misclassification detection and diversity\n\n");
        md.append(
                "| method | wrong | misclassification AUROC (entropy) | KL to mean | disagreement |"
                        + " weight-space distance |\n");
        md.append("|---|---:|---:|---:|---:|---:|\n");
        for (MethodResult r : results) {
            MetricsReport m = r.report();
            boolean many = r.epistemic();
            md.append(
                    String.format(
                            Locale.ROOT,
                            "| %s | %d | %s | %s | %s | %s |%n",
                            r.name(),
                            wrong(r),
                            value(m.get(ReportMetric.MISCLASSIFICATION_AUROC_ENTROPY), true),
                            value(m.get(ReportMetric.MUTUAL_INFORMATION), many),
                            value(m.get(ReportMetric.DISAGREEMENT), many),
                            many && !Double.isNaN(r.weightDistance())
                                    ? String.format(Locale.ROOT, "%.4g", r.weightDistance())
                                    : "—"));
        }
        md.append(
                "\nWrong: misclassified test images. Misclassification AUROC: the predictive"
                        + " entropy as a score separating wrong from right predictions on the test"
                        + " split (paper Figure 11, Table 7). KL to mean: the mean over test images"
                        + " and particles of KL(p_i || p_bar), equal to the mean mutual information"
                        + " (function-space diversity; for a Dirichlet student, its closed-form"
                        + " mutual information). Disagreement: the mean fraction of particles"
                        + " whose class differs from the posterior predictive's. Weight-space"
                        + " distance: the mean pairwise ||s A_i B_i - s A_j B_j||^2 over the adapted"
                        + " layers (low-rank particles only). One model has no spread: —.\n");
        if (results.stream().anyMatch(r -> r.corruptionAccuracy().length > 0)) {
            md.append("\n## Robustness (accuracy)\n\n");
            MethodResult first = results.get(0);
            md.append("| method | clean |");
            for (int sev = 1; sev <= first.corruptionAccuracy().length; sev++) {
                md.append(" corrupted s").append(sev).append(" |");
            }
            for (double e : first.fgsmEpsilons()) {
                md.append(" FGSM ").append(e).append(" |");
            }
            md.append(" shift AUROC (entropy) |");
            md.append("\n|---|---:|");
            md.append(
                    "---:|"
                            .repeat(
                                    first.corruptionAccuracy().length
                                            + first.fgsmEpsilons().length
                                            + 1));
            md.append("\n");
            for (MethodResult r : results) {
                md.append("| ").append(r.name()).append(" | ");
                md.append(
                        String.format(
                                Locale.ROOT, "%.4f |", r.report().classification().accuracy()));
                for (double a : r.corruptionAccuracy()) {
                    md.append(String.format(Locale.ROOT, " %.4f |", a));
                }
                for (double a : r.fgsmAccuracy()) {
                    md.append(String.format(Locale.ROOT, " %.4f |", a));
                }
                md.append(String.format(Locale.ROOT, " %.4f |", r.shiftAuroc()));
                md.append("\n");
            }
            md.append("\nCorrupted: mean accuracy over the ")
                    .append(Corruption.values().length)
                    .append(" corruptions (")
                    .append(
                            Arrays.stream(Corruption.values())
                                    .map(Corruption::referenceName)
                                    .collect(Collectors.joining(", ")))
                    .append(
                            ") at each severity. FGSM against the posterior predictive, pixels"
                                    + " clipped to [0, 1]. Shift AUROC: the predictive entropy"
                                    + " as a score separating the test images corrupted at"
                                    + " severity 5 (all corruptions pooled) from the clean ones."
                                    + "\n");
        }
        md.append("\n## Pictures\n\n");
        boolean plots = MetricsPlots.isAvailable();
        Files.createDirectories(s.out().resolve("plots"));
        for (MethodResult r : results) {
            String slug = Study.slug(r.name());
            if (plots) {
                MetricsPlots.writeAll(r.report(), s.out().resolve("plots").resolve(slug));
                md.append("### ").append(r.name()).append("\n\n");
                md.append("![reliability](plots/").append(slug).append("/reliability.png)\n");
                md.append("![entropy](plots/").append(slug).append("/entropy_histogram.png)\n");
                if (r.epistemic()) {
                    md.append("![MI](plots/").append(slug).append("/mi_histogram.png)\n");
                }
                writeMisclassificationHistogram(r, s.out().resolve("plots").resolve(slug));
                md.append("![entropy of correct and incorrect predictions](plots/")
                        .append(slug)
                        .append("/misclassification_entropy.png)\n");
                md.append("\n");
            }
            writeAtomically(
                    s.out().resolve("plots").resolve(slug + ".json"),
                    JsonRenderer.render(r.report()));
        }
        writeAtomically(s.out().resolve("report.md"), md.toString());
        writeAtomically(s.out().resolve(RESULTS_JSON), StudyJson.of(results).toString() + "\n");
        console.println();
        console.print(md.substring(0, md.indexOf("\n## Pictures")));
        console.printf(Locale.ROOT, "%nreport: %s%n", s.out().resolve("report.md"));
        console.flush();
    }

    private static String mceNote(StudySettings s, List<MethodResult> results) {
        int bins = results.get(0).report().classification().bins();
        String which =
                s.mceMinCount() <= 1
                        ? "MCE: the largest calibration gap over the "
                                + bins
                                + " equal-width confidence bins that hold any test image (the"
                                + " usual MCE)"
                        : "MCE: the largest calibration gap over the "
                                + bins
                                + " equal-width confidence bins that hold at least "
                                + s.mceMinCount()
                                + " test images (--mce-min-count "
                                + s.mceMinCount()
                                + "; sparser bins are left out)";
        return which
                + ". MCE bin n: how many test images the bin with that gap holds; a gap measured"
                + " on one or two images says little.";
    }

    private static long wrong(MethodResult r) {
        long wrong = 0;
        for (boolean c : r.correct()) {
            if (!c) {
                wrong++;
            }
        }
        return wrong;
    }

    private static String value(java.util.Optional<Double> v, boolean applies) {
        return applies && v.isPresent() ? String.format(Locale.ROOT, "%.4f", v.get()) : "—";
    }

    /** The predictive entropy of the test images, correct vs incorrect (paper Figure 11). */
    private static void writeMisclassificationHistogram(MethodResult r, Path dir)
            throws IOException {
        boolean[] correct = r.correct();
        double[] entropy = new double[correct.length];
        boolean[] incorrect = new boolean[correct.length];
        for (int j = 0; j < correct.length; j++) {
            entropy[j] = r.report().predictiveEntropy().get(j);
            incorrect[j] = !correct[j];
        }
        Files.createDirectories(dir);
        for (String ext : new String[] {"png", "svg"}) {
            MetricsPlots.writeHistogram(
                    entropy,
                    incorrect,
                    MetricsPlots.DEFAULT_HISTOGRAM_BINS,
                    "Predictive entropy of correct and incorrect predictions: " + r.name(),
                    "predictive entropy H[p_bar] (nats)",
                    "correct",
                    "incorrect",
                    dir.resolve("misclassification_entropy." + ext));
        }
    }

    /** The study's results as JSON ({@link StudyJson}) in the output directory. */
    static final String RESULTS_JSON = "results.json";

    static void writeAtomically(Path file, String text) throws IOException {
        AtomicFiles.write(file, true, os -> os.write(text.getBytes(StandardCharsets.UTF_8)));
    }

    static String bytes(long b) {
        if (b < 1024) {
            return b + " B";
        }
        if (b < 1024 * 1024) {
            return String.format(Locale.ROOT, "%.1f KB", b / 1024.0);
        }
        return String.format(Locale.ROOT, "%.1f MB", b / (1024.0 * 1024));
    }
}
