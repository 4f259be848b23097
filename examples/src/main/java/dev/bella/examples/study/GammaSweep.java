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
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.bella.examples.cli.ProgressBar;
import dev.bella.metrics.plot.MetricsPlots;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The sweep over SVGD's repulsion weight of the paper's Appendix F: {@code ./bella demo --gammas
 * 0,0.001,...} runs the study (over {@code --seeds K} seeds) once per \( \gamma \), each into
 * {@code OUT/gamma-<g>/}, then writes {@code OUT/sweep.md} (one row per \( \gamma \) and method:
 * accuracy, FGSM accuracy at the study's four step sizes, OOD AUROC by entropy and by MI, and the
 * diversity in function space and weight space, mean ± sample standard deviation over the seeds),
 * {@code OUT/sweep.json} ({@code {"gammas": {"<g>": <the study's JSON>}}}) and three pictures of
 * the table against \( \gamma \) ({@code sweep-fgsm}, {@code sweep-ood}, {@code sweep-diversity},
 * each as PNG and SVG, with error bars of one standard deviation).
 */
public final class GammaSweep {

    /** The values of the paper's Appendix F and of {@code docs/results.md}. */
    public static final String PAPER_GAMMAS = "0,0.001,0.005,0.01,0.03,0.05,0.1";

    /**
     * Columns of the table: JSON key (a path with '/' into nested objects), heading, and format
     * (the diversity columns span orders of magnitude: significant digits).
     */
    private static final String[][] COLUMNS = {
        {"accuracy", "accuracy", "%.4f"},
        {"nll", "NLL", "%.4f"},
        {"fgsm/0.001", "FGSM 0.001", "%.4f"},
        {"fgsm/0.005", "FGSM 0.005", "%.4f"},
        {"fgsm/0.01", "FGSM 0.01", "%.4f"},
        {"fgsm/0.03", "FGSM 0.03", "%.4f"},
        {"ood_auroc_entropy", "OOD AUROC (entropy)", "%.4f"},
        {"ood_auroc_mi", "OOD AUROC (MI)", "%.4f"},
        {"kl_to_mean", "KL to mean", "%.3g"},
        {"disagreement", "disagreement", "%.3g"},
        {"weight_distance", "weight-space distance", "%.3g"},
    };

    private GammaSweep() {}

    /**
     * Parses a comma-separated list of repulsion weights.
     *
     * @param list e.g. {@code "0,0.01,0.05"}
     * @return the values, in order
     * @throws IllegalArgumentException if the list is empty, a value is not a finite number {@code
     *     >= 0}, or a value repeats
     */
    public static double[] parse(String list) {
        String[] parts = list.split(",", -1);
        double[] out = new double[parts.length];
        for (int k = 0; k < parts.length; k++) {
            String p = parts[k].strip();
            double g;
            try {
                g = Double.parseDouble(p);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(
                        "gammas must be comma-separated numbers >= 0, got '" + p + "' in " + list);
            }
            if (!(Double.isFinite(g) && g >= 0)) {
                throw new IllegalArgumentException(
                        "every gamma must be finite and >= 0, got " + p + " in " + list);
            }
            for (int j = 0; j < k; j++) {
                if (out[j] == g) {
                    throw new IllegalArgumentException("gamma " + p + " appears twice in " + list);
                }
            }
            out[k] = g;
        }
        return out;
    }

    /**
     * Runs the sweep.
     *
     * @param settings the study's settings; its {@code gamma} is replaced by each value in turn and
     *     its output directory holds the sweep's files
     * @param gammas the repulsion weights, at least one
     * @param seeds seeds per value, at least 1
     * @param progress where progress lines and the table go
     * @return {@code {"gammas": {"<g>": <the study's JSON>}}}
     * @throws IOException if data cannot be read or results written
     * @throws TranslateException if a batch cannot be made
     */
    public static JsonObject run(
            StudySettings settings, double[] gammas, int seeds, PrintWriter progress)
            throws IOException, TranslateException {
        return run(settings, gammas, seeds, progress, ProgressBar.Factory.stderr());
    }

    /**
     * Runs the sweep, showing each training run's progress with a bar.
     *
     * @param settings as {@link #run(StudySettings, double[], int, PrintWriter)}
     * @param gammas the repulsion weights, at least one
     * @param seeds seeds per value, at least 1
     * @param progress where progress lines and the table go
     * @param bars makes the progress bar of each training run
     * @return {@code {"gammas": {"<g>": <the study's JSON>}}}
     * @throws IOException if data cannot be read or results written
     * @throws TranslateException if a batch cannot be made
     */
    public static JsonObject run(
            StudySettings settings,
            double[] gammas,
            int seeds,
            PrintWriter progress,
            ProgressBar.Factory bars)
            throws IOException, TranslateException {
        if (gammas.length == 0) {
            throw new IllegalArgumentException("at least one gamma is needed");
        }
        JsonObject byGamma = new JsonObject();
        for (double g : gammas) {
            String key = StudyJson.epsilonKey(g);
            progress.printf(Locale.ROOT, "%n##### gamma = %s #####%n", key);
            progress.flush();
            StudySettings s = settings.withGamma(g, settings.out().resolve("gamma-" + key));
            byGamma.add(key, StudySeeds.run(s, seeds, progress, bars));
        }
        JsonObject root = new JsonObject();
        root.add("gammas", byGamma);
        Files.createDirectories(settings.out());
        String md = table(settings, seeds, root);
        StudyReport.writeAtomically(settings.out().resolve("sweep.md"), md);
        StudyReport.writeAtomically(settings.out().resolve("sweep.json"), root.toString() + "\n");
        if (MetricsPlots.isAvailable()) {
            plots(root, settings.out());
        }
        progress.println();
        progress.print(md);
        progress.printf(Locale.ROOT, "%nsweep: %s%n", settings.out().resolve("sweep.md"));
        progress.flush();
        return root;
    }

    /** The sweep's table, one row per gamma and method. */
    static String table(StudySettings s, int seeds, JsonObject root) {
        StringBuilder md = new StringBuilder();
        md.append(
                String.format(
                        Locale.ROOT,
                        "# SVGD repulsion sweep%n%n%s; n = %d, r = %d, prior precision %s, %d"
                                + " fine-tuning epochs, %d"
                                + " seed%s from %d%s. Each gamma's reports are in gamma-<g>/.%n%n",
                        s.dataset(),
                        s.particles(),
                        s.rank(),
                        s.priorPrecision(),
                        s.epochs(),
                        seeds,
                        seeds == 1 ? "" : "s",
                        s.seed(),
                        seeds == 1 ? "" : "; mean ± sample standard deviation over the seeds"));
        md.append("| gamma | method |");
        for (String[] c : COLUMNS) {
            md.append(' ').append(c[1]).append(" |");
        }
        md.append("\n|---:|---|").append("---:|".repeat(COLUMNS.length)).append('\n');
        JsonObject gammas = root.getAsJsonObject("gammas");
        for (Map.Entry<String, JsonElement> g : gammas.entrySet()) {
            JsonObject methods = g.getValue().getAsJsonObject().getAsJsonObject("methods");
            for (Map.Entry<String, JsonElement> m : methods.entrySet()) {
                JsonObject r = m.getValue().getAsJsonObject();
                JsonObject std = r.getAsJsonObject("std");
                md.append("| ").append(g.getKey()).append(" | ").append(m.getKey()).append(" |");
                for (String[] c : COLUMNS) {
                    md.append(' ')
                            .append(cell(at(r, c[0]), std == null ? null : at(std, c[0]), c[2]))
                            .append(" |");
                }
                md.append('\n');
            }
        }
        return md.toString();
    }

    /**
     * A mean, with its standard deviation when there is one ({@code std} null: one seed): "—" when
     * the mean is undefined, or the standard deviation is (undefined in some seed).
     */
    static String cell(JsonElement mean, JsonElement std, String format) {
        if (mean == null || mean.isJsonNull()) {
            return "—";
        }
        String m = String.format(Locale.ROOT, format, mean.getAsDouble());
        if (std == null) {
            return m;
        }
        if (std.isJsonNull()) {
            return "—";
        }
        return m + " ± " + String.format(Locale.ROOT, format, std.getAsDouble());
    }

    /** The element at a '/'-separated path, or null. */
    static JsonElement at(JsonObject o, String path) {
        JsonElement e = o;
        for (String part : path.split("/")) {
            if (e == null || !e.isJsonObject()) {
                return null;
            }
            e = e.getAsJsonObject().get(part);
        }
        return e;
    }

    /** Draws the FGSM, OOD and diversity columns against gamma, per method. */
    private static void plots(JsonObject root, Path dir) throws IOException {
        JsonObject gammas = root.getAsJsonObject("gammas");
        List<String> x = new ArrayList<>(gammas.keySet());
        JsonObject first = gammas.get(x.get(0)).getAsJsonObject().getAsJsonObject("methods");
        for (String method : first.keySet()) {
            String suffix = first.size() == 1 ? "" : "-" + method;
            plot(
                    gammas,
                    x,
                    method,
                    dir,
                    "sweep-fgsm" + suffix,
                    "accuracy under FGSM",
                    new String[] {"fgsm/0.001", "fgsm/0.005", "fgsm/0.01", "fgsm/0.03"},
                    new String[] {"eps 0.001", "eps 0.005", "eps 0.01", "eps 0.03"});
            plot(
                    gammas,
                    x,
                    method,
                    dir,
                    "sweep-ood" + suffix,
                    "OOD AUROC",
                    new String[] {"ood_auroc_entropy", "ood_auroc_mi"},
                    new String[] {"entropy", "mutual information"});
            plot(
                    gammas,
                    x,
                    method,
                    dir,
                    "sweep-diversity" + suffix,
                    "diversity (KL to mean, disagreement)",
                    new String[] {"kl_to_mean", "disagreement"},
                    new String[] {"KL to mean", "disagreement"});
        }
    }

    private static void plot(
            JsonObject gammas,
            List<String> x,
            String method,
            Path dir,
            String name,
            String yLabel,
            String[] keys,
            String[] labels)
            throws IOException {
        Map<String, double[]> means = new LinkedHashMap<>();
        Map<String, double[]> errors = new LinkedHashMap<>();
        for (int k = 0; k < keys.length; k++) {
            double[] m = new double[x.size()];
            double[] e = new double[x.size()];
            boolean defined = true;
            boolean hasStd = true;
            for (int i = 0; i < x.size(); i++) {
                JsonObject r =
                        gammas.getAsJsonObject(x.get(i))
                                .getAsJsonObject("methods")
                                .getAsJsonObject(method);
                JsonElement mean = r == null ? null : at(r, keys[k]);
                if (mean == null || mean.isJsonNull()) {
                    defined = false;
                    break;
                }
                m[i] = mean.getAsDouble();
                JsonElement std = r.has("std") ? at(r.getAsJsonObject("std"), keys[k]) : null;
                if (std == null || std.isJsonNull()) {
                    hasStd = false;
                } else {
                    e[i] = std.getAsDouble();
                }
            }
            if (defined) {
                means.put(labels[k], m);
                if (hasStd) {
                    errors.put(labels[k], e);
                }
            }
        }
        if (means.isEmpty()) {
            return;
        }
        String title = method + ": " + yLabel + " against the repulsion weight gamma";
        for (String ext : new String[] {".png", ".svg"}) {
            MetricsPlots.writeLines(
                    title, "gamma", yLabel, x, means, errors, dir.resolve(name + ext));
        }
    }
}
