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
package dev.bella.metrics.render;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import dev.bella.metrics.MetricsReport;
import dev.bella.metrics.ReliabilityDiagram;
import dev.bella.metrics.ReportMetric;
import java.util.Map;

/**
 * Renders a {@link MetricsReport} as JSON: {@code examples}, {@code in_distribution}, {@code
 * classes}, {@code particles}, {@code bins}, every applicable {@link ReportMetric#key()} ({@code
 * null} when undefined), {@code diversity} (per particle, particle input only), {@code reliability}
 * (one object per bin) and {@code warnings}. Numbers are written with {@link
 * Double#toString(double)}, so they parse back to exactly the same doubles; NaN and infinities are
 * written as {@code null}. Per-example values are not written (see {@code MetricsPlots} for them).
 *
 * <p>Pure and thread-safe.
 */
public final class JsonRenderer {

    private JsonRenderer() {}

    /**
     * The report as a JSON object.
     *
     * @param report the report
     * @return a new JSON object
     * @throws IllegalArgumentException if {@code report} is null
     */
    public static JsonObject toJsonObject(MetricsReport report) {
        if (report == null) {
            throw new IllegalArgumentException("report must not be null");
        }
        JsonObject o = new JsonObject();
        o.addProperty("examples", report.examples());
        o.addProperty("in_distribution", report.inDistribution());
        o.addProperty("classes", report.classes());
        o.addProperty("particles", report.particles());
        o.addProperty("bins", report.classification().bins());
        for (Map.Entry<ReportMetric, Double> e : report.values().entrySet()) {
            o.add(e.getKey().key(), number(e.getValue()));
        }
        if (!report.diversity().isEmpty()) {
            JsonArray d = new JsonArray();
            report.diversity().forEach(v -> d.add(number(v)));
            o.add("diversity", d);
        }
        JsonArray bins = new JsonArray();
        for (ReliabilityDiagram.Bin bin : report.classification().reliability().bins()) {
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
        report.warnings().forEach(w::add);
        o.add("warnings", w);
        return o;
    }

    /**
     * The report as pretty-printed JSON; see {@link #toJsonObject(MetricsReport)}.
     *
     * @param report the report
     * @return the JSON text
     * @throws IllegalArgumentException if {@code report} is null
     */
    public static String render(MetricsReport report) {
        return new GsonBuilder()
                .serializeNulls()
                .setPrettyPrinting()
                .create()
                .toJson(toJsonObject(report));
    }

    private static JsonElement number(double v) {
        return Double.isNaN(v) || Double.isInfinite(v) ? JsonNull.INSTANCE : new JsonPrimitive(v);
    }
}
