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
import dev.bella.metrics.plot.MetricsPlots;
import dev.bella.metrics.render.JsonRenderer;
import dev.bella.metrics.shift.Corruption;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/** Renders the study's table (console and Markdown) and writes the plots. */
final class StudyReport {

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
                                + " gamma = %s, %d fine-tuning epochs, seed %d.%n%n",
                        data.source().size(),
                        data.target().size(),
                        data.test().size(),
                        data.oodDescription(),
                        data.ood().size(),
                        s.particles(),
                        s.rank(),
                        s.gamma(),
                        s.epochs(),
                        s.seed()));
        md.append("## Calibration, OOD detection and cost\n\n");
        md.append(
                "| method | accuracy | NLL | ECE | MCE | Brier | OOD AUROC (entropy) | OOD AUROC"
                        + " (MI) | trainable | stored | train s |\n");
        md.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (MethodResult r : results) {
            MetricsReport m = r.report();
            md.append(
                    String.format(
                            Locale.ROOT,
                            "| %s | %.4f | %.4f | %.4f | %.4f | %.4f | %.4f | %s | %,d | %s | %.1f"
                                    + " |%n",
                            r.name(),
                            m.classification().accuracy(),
                            m.classification().nll(),
                            m.classification().ece(),
                            m.classification().mce(),
                            m.classification().brier(),
                            m.get(ReportMetric.OOD_AUROC_ENTROPY).orElse(Double.NaN),
                            r.particles() > 1
                                    ? String.format(
                                            Locale.ROOT,
                                            "%.4f",
                                            m.get(ReportMetric.OOD_AUROC_MI).orElse(Double.NaN))
                                    : "—",
                            r.trainableTotal(),
                            bytes(r.adapterBytes()),
                            r.trainSeconds()));
        }
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
                if (r.particles() > 1) {
                    md.append("![MI](plots/").append(slug).append("/mi_histogram.png)\n");
                }
                md.append("\n");
            }
            Files.writeString(
                    s.out().resolve("plots").resolve(slug + ".json"),
                    JsonRenderer.render(r.report()),
                    StandardCharsets.UTF_8);
        }
        Path tmp = Files.createTempFile(s.out(), ".report-", ".tmp");
        Files.writeString(tmp, md.toString(), StandardCharsets.UTF_8);
        Files.move(
                tmp,
                s.out().resolve("report.md"),
                StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
        console.println();
        console.print(md.substring(0, md.indexOf("\n## Pictures")));
        console.printf(Locale.ROOT, "%nreport: %s%n", s.out().resolve("report.md"));
        console.flush();
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
