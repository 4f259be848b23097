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

import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import dev.bella.metrics.ReportMetric;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The study's results as one JSON object, the last line of {@code ./bella demo --json} and the
 * {@code results.json} of its output directory:
 *
 * <pre>{@code
 * {"methods": {"<id>": {"accuracy": …, "nll": …, "ece": …, "mce": …, "brier": …,
 *   "ood_auroc_entropy": …, "ood_auroc_mi": …, "misclassification_auroc": …,
 *   "kl_to_mean": …, "disagreement": …, "weight_distance": …,
 *   "fgsm": {"0.001": …, "0.005": …, "0.01": …, "0.03": …},
 *   "corrupted": {"1": …, "2": …, "3": …, "4": …, "5": …},
 *   "trainable": …, "stored_bytes": …, "stored_values": …, "train_seconds": …}}}
 * }</pre>
 *
 * <p>{@code trainable} counts the values the method trains; {@code stored_values} the values its
 * posterior holds in its own form beside the frozen base (e.g. {@code (K + 2)} adapters for SWAG,
 * the snapshots for SGLD; see {@link StudyMethods}); {@code stored_bytes} the bytes the study
 * writes for it (the particles, or the {@code S} drawn adapters of a sampled posterior).
 *
 * <p>Methods appear in the order they ran. A value that is undefined is {@code null}: the MI-based
 * OOD AUROC, {@code kl_to_mean}, {@code disagreement} and {@code weight_distance} (the mean
 * pairwise squared distance of the low-rank perturbations; also {@code null} for a full-rank
 * ensemble) of a single model (one particle has no epistemic part and no spread; a Dirichlet
 * student has a closed-form mutual information, so its {@code ood_auroc_mi} and {@code kl_to_mean}
 * are given, but no {@code disagreement} or {@code weight_distance}), any metric the data leave
 * undefined, and the {@code fgsm} and {@code corrupted} values when robustness was not evaluated.
 * {@code mce} is the table's MCE (over the bins holding at least {@code --mce-min-count} examples;
 * by default every non-empty bin).
 *
 * <p>Over several seeds ({@link #ofSeeds}), every number is the mean over the seeds, and each
 * method's object has one more key, {@code "std"}, an object with the same keys (nested {@code
 * fgsm} and {@code corrupted} included) holding the sample standard deviation (divisor K - 1) over
 * the seeds. A value that is {@code null} in any seed is {@code null} in both.
 */
public final class StudyJson {

    private StudyJson() {}

    /**
     * One run's results.
     *
     * @param results one per method, in order
     * @return {@code {"methods": {...}}}
     */
    public static JsonObject of(List<MethodResult> results) {
        JsonObject methods = new JsonObject();
        for (MethodResult r : results) {
            methods.add(r.id(), method(r));
        }
        JsonObject root = new JsonObject();
        root.add("methods", methods);
        return root;
    }

    /**
     * The mean and standard deviation over several runs (one per seed) of the same methods.
     *
     * @param runs one run's results per seed, each with the same methods in the same order
     * @return {@code {"methods": {"<id>": {..., "std": {...}}}}}
     * @throws IllegalArgumentException if there are no runs or they differ in their methods
     */
    public static JsonObject ofSeeds(List<List<MethodResult>> runs) {
        if (runs.isEmpty()) {
            throw new IllegalArgumentException("no runs to summarise");
        }
        List<JsonObject> each = new ArrayList<>();
        for (List<MethodResult> run : runs) {
            each.add(of(run).getAsJsonObject("methods"));
        }
        if (runs.size() == 1) {
            JsonObject root = new JsonObject();
            root.add("methods", each.get(0));
            return root;
        }
        JsonObject methods = new JsonObject();
        for (String id : each.get(0).keySet()) {
            List<JsonObject> values = new ArrayList<>();
            for (JsonObject run : each) {
                if (!run.has(id)) {
                    throw new IllegalArgumentException("method " + id + " is missing from a run");
                }
                values.add(run.getAsJsonObject(id));
            }
            JsonObject mean = aggregate(values, false);
            mean.add("std", aggregate(values, true));
            methods.add(id, mean);
        }
        JsonObject root = new JsonObject();
        root.add("methods", methods);
        return root;
    }

    /** The mean (or the sample standard deviation) of objects of the same shape, key by key. */
    private static JsonObject aggregate(List<JsonObject> runs, boolean std) {
        JsonObject out = new JsonObject();
        for (Map.Entry<String, JsonElement> e : runs.get(0).entrySet()) {
            String key = e.getKey();
            if (e.getValue().isJsonObject()) {
                List<JsonObject> inner = new ArrayList<>();
                for (JsonObject run : runs) {
                    inner.add(run.getAsJsonObject(key));
                }
                out.add(key, aggregate(inner, std));
                continue;
            }
            double[] v = new double[runs.size()];
            boolean defined = true;
            for (int k = 0; k < v.length; k++) {
                JsonElement x = runs.get(k).get(key);
                if (x == null || x.isJsonNull()) {
                    defined = false;
                    break;
                }
                v[k] = x.getAsDouble();
            }
            out.add(key, defined ? number(std ? sampleStd(v) : mean(v)) : JsonNull.INSTANCE);
        }
        return out;
    }

    static double mean(double[] v) {
        double sum = 0;
        for (double x : v) {
            sum += x;
        }
        return sum / v.length;
    }

    /** The sample standard deviation (divisor K - 1); 0 for one value. */
    static double sampleStd(double[] v) {
        if (v.length < 2) {
            return 0;
        }
        double m = mean(v);
        double ss = 0;
        for (double x : v) {
            ss += (x - m) * (x - m);
        }
        return Math.sqrt(ss / (v.length - 1));
    }

    private static JsonObject method(MethodResult r) {
        boolean particles = r.epistemic();
        JsonObject o = new JsonObject();
        var c = r.report().classification();
        o.add("accuracy", number(c.accuracy()));
        o.add("nll", number(c.nll()));
        o.add("ece", number(c.ece()));
        o.add("mce", number(r.mce()));
        o.add("brier", number(c.brier()));
        o.add("ood_auroc_entropy", metric(r, ReportMetric.OOD_AUROC_ENTROPY, true));
        o.add("ood_auroc_mi", metric(r, ReportMetric.OOD_AUROC_MI, particles));
        o.add(
                "misclassification_auroc",
                metric(r, ReportMetric.MISCLASSIFICATION_AUROC_ENTROPY, true));
        o.add("kl_to_mean", metric(r, ReportMetric.MUTUAL_INFORMATION, particles));
        o.add("disagreement", metric(r, ReportMetric.DISAGREEMENT, particles));
        o.add(
                "weight_distance",
                particles && !Double.isNaN(r.weightDistance())
                        ? number(r.weightDistance())
                        : JsonNull.INSTANCE);
        JsonObject fgsm = new JsonObject();
        for (int e = 0; e < StudyReport.FGSM_EPSILONS.length; e++) {
            fgsm.add(
                    epsilonKey(StudyReport.FGSM_EPSILONS[e]),
                    e < r.fgsmAccuracy().length ? number(r.fgsmAccuracy()[e]) : JsonNull.INSTANCE);
        }
        o.add("fgsm", fgsm);
        JsonObject corrupted = new JsonObject();
        for (int s = 0; s < StudyReport.SEVERITIES; s++) {
            corrupted.add(
                    Integer.toString(s + 1),
                    s < r.corruptionAccuracy().length
                            ? number(r.corruptionAccuracy()[s])
                            : JsonNull.INSTANCE);
        }
        o.add("corrupted", corrupted);
        o.addProperty("trainable", r.trainableTotal());
        o.addProperty("stored_bytes", r.adapterBytes());
        o.addProperty("stored_values", r.storedValues());
        o.add("train_seconds", number(r.trainSeconds()));
        return o;
    }

    /** {@code 0.001 -> "0.001"}, {@code 0.03 -> "0.03"}: the shortest decimal form. */
    static String epsilonKey(double eps) {
        return java.math.BigDecimal.valueOf(eps).stripTrailingZeros().toPlainString();
    }

    private static JsonElement metric(MethodResult r, ReportMetric m, boolean applies) {
        if (!applies) {
            return JsonNull.INSTANCE;
        }
        return r.report().get(m).<JsonElement>map(JsonPrimitive::new).orElse(JsonNull.INSTANCE);
    }

    private static JsonElement number(double v) {
        return Double.isFinite(v) ? new JsonPrimitive(v) : JsonNull.INSTANCE;
    }

    /**
     * Formats a mean and standard deviation for a table, e.g. {@code 0.9885 ± 0.0035}.
     *
     * @param mean the mean
     * @param std the standard deviation
     * @return the text, or an em dash if either is null
     */
    static String meanStd(JsonElement mean, JsonElement std) {
        if (mean == null || mean.isJsonNull() || std == null || std.isJsonNull()) {
            return "—";
        }
        return String.format(Locale.ROOT, "%.4f ± %.4f", mean.getAsDouble(), std.getAsDouble());
    }
}
