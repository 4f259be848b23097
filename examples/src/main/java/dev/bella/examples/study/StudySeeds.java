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

import ai.djl.translate.TranslateException;
import com.google.gson.JsonObject;
import dev.bella.examples.cli.ProgressBar;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The study over several seeds: {@code ./bella demo --seeds K} runs it with seeds {@code seed ..
 * seed + K - 1}, each into {@code OUT/seed-<s>/} (a full report, adapters, {@code .npy} files and
 * {@code results.json}), then writes {@code OUT/summary.md} (mean ± sample standard deviation per
 * method) and {@code OUT/results.json} ({@link StudyJson#ofSeeds}). With K = 1 it is one plain run
 * into {@code OUT}.
 */
public final class StudySeeds {

    private StudySeeds() {}

    /**
     * Runs the study once per seed.
     *
     * @param settings the settings of the first seed; its output directory holds the summary
     * @param seeds K, at least 1
     * @param progress where progress lines and the tables go
     * @return the JSON of the results: one run's ({@link StudyJson#of}) for K = 1, the mean and
     *     standard deviation ({@link StudyJson#ofSeeds}) otherwise
     * @throws IOException if data cannot be read or results written
     * @throws TranslateException if a batch cannot be made
     * @throws IllegalArgumentException if {@code seeds < 1}
     */
    public static JsonObject run(StudySettings settings, int seeds, PrintWriter progress)
            throws IOException, TranslateException {
        return run(settings, seeds, progress, ProgressBar.Factory.stderr());
    }

    /**
     * Runs the study with {@code seeds} seeds, showing each training run's progress with a bar.
     *
     * @param settings the study's settings; its seed is the first of the K
     * @param seeds K, at least 1
     * @param progress where progress lines and the tables go
     * @param bars makes the progress bar of each training run
     * @return as {@link #run(StudySettings, int, PrintWriter)}
     * @throws IOException if data cannot be read or results written
     * @throws TranslateException if a batch cannot be made
     * @throws IllegalArgumentException if {@code seeds < 1}
     */
    public static JsonObject run(
            StudySettings settings, int seeds, PrintWriter progress, ProgressBar.Factory bars)
            throws IOException, TranslateException {
        if (seeds < 1) {
            throw new IllegalArgumentException("seeds must be at least 1, seeds = " + seeds);
        }
        if (seeds == 1) {
            return StudyJson.of(new Study(settings, progress, bars).run());
        }
        List<List<MethodResult>> runs = new ArrayList<>();
        for (int k = 0; k < seeds; k++) {
            long seed = settings.seed() + k;
            progress.printf(Locale.ROOT, "%n=== seed %d (%d of %d) ===%n", seed, k + 1, seeds);
            progress.flush();
            runs.add(
                    new Study(
                                    settings.withSeed(seed, settings.out().resolve("seed-" + seed)),
                                    progress,
                                    bars)
                            .run());
        }
        JsonObject json = StudyJson.ofSeeds(runs);
        Files.createDirectories(settings.out());
        String md = summary(settings, seeds, runs.get(0), json);
        StudyReport.writeAtomically(settings.out().resolve("summary.md"), md);
        StudyReport.writeAtomically(
                settings.out().resolve(StudyReport.RESULTS_JSON), json.toString() + "\n");
        progress.println();
        progress.print(md);
        progress.printf(Locale.ROOT, "%nsummary: %s%n", settings.out().resolve("summary.md"));
        progress.flush();
        return json;
    }

    private static final String[][] COLUMNS = {
        {"accuracy", "accuracy"},
        {"nll", "NLL"},
        {"ece", "ECE"},
        {"mce", "MCE"},
        {"brier", "Brier"},
        {"ood_auroc_entropy", "OOD AUROC (entropy)"},
        {"ood_auroc_mi", "OOD AUROC (MI)"},
        {"misclassification_auroc", "misclassification AUROC"},
        {"kl_to_mean", "KL to mean"},
        {"disagreement", "disagreement"},
    };

    private static String summary(
            StudySettings s, int seeds, List<MethodResult> first, JsonObject json) {
        StringBuilder md = new StringBuilder();
        md.append(
                String.format(
                        Locale.ROOT,
                        "# Bella study over %d seeds (%d to %d)%n%n"
                                + "%s; n = %d, r = %d, gamma = %s, prior precision %s, %d"
                                + " fine-tuning epochs. Mean ±"
                                + " sample standard deviation (divisor K - 1) over the seeds;"
                                + " each seed's report is in seed-<s>/report.md.%n%n",
                        seeds,
                        s.seed(),
                        s.seed() + seeds - 1,
                        s.dataset(),
                        s.particles(),
                        s.rank(),
                        s.gamma(),
                        s.priorPrecision(),
                        s.epochs()));
        md.append("| method |");
        for (String[] c : COLUMNS) {
            md.append(' ').append(c[1]).append(" |");
        }
        md.append(" FGSM 0.03 | corrupted s5 | train s |\n|---|");
        md.append("---:|".repeat(COLUMNS.length + 3)).append('\n');
        JsonObject methods = json.getAsJsonObject("methods");
        for (MethodResult r : first) {
            JsonObject m = methods.getAsJsonObject(r.id());
            JsonObject std = m.getAsJsonObject("std");
            md.append("| ").append(r.name()).append(" |");
            for (String[] c : COLUMNS) {
                md.append(' ').append(StudyJson.meanStd(m.get(c[0]), std.get(c[0]))).append(" |");
            }
            md.append(' ')
                    .append(
                            StudyJson.meanStd(
                                    m.getAsJsonObject("fgsm").get("0.03"),
                                    std.getAsJsonObject("fgsm").get("0.03")))
                    .append(" |");
            md.append(' ')
                    .append(
                            StudyJson.meanStd(
                                    m.getAsJsonObject("corrupted").get("5"),
                                    std.getAsJsonObject("corrupted").get("5")))
                    .append(" |");
            md.append(' ')
                    .append(StudyJson.meanStd(m.get("train_seconds"), std.get("train_seconds")))
                    .append(" |\n");
        }
        return md.toString();
    }
}
