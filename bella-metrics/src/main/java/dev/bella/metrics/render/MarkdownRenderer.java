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

import dev.bella.metrics.MetricsReport;
import dev.bella.metrics.ReliabilityDiagram;
import dev.bella.metrics.ReportMetric;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Renders a {@link MetricsReport} as Markdown: a table of the metrics (values rounded to 4
 * decimals, for reading; use {@link JsonRenderer} for exact values, {@code n/a} where undefined),
 * the reliability diagram as a table, and the warnings.
 *
 * <p>Pure and thread-safe.
 */
public final class MarkdownRenderer {

    private MarkdownRenderer() {}

    /**
     * The report as Markdown.
     *
     * @param report the report
     * @return the Markdown text
     * @throws IllegalArgumentException if {@code report} is null
     */
    public static String render(MetricsReport report) {
        if (report == null) {
            throw new IllegalArgumentException("report must not be null");
        }
        StringBuilder s = new StringBuilder();
        s.append(
                String.format(
                        Locale.ROOT,
                        "N = %d examples (%d in-distribution), C = %d classes, n = %d particle%s,"
                                + " M = %d bins%n%n",
                        report.examples(),
                        report.inDistribution(),
                        report.classes(),
                        report.particles(),
                        report.particles() == 1 ? "" : "s",
                        report.classification().bins()));
        s.append("| metric | value |\n|---|---:|\n");
        for (Map.Entry<ReportMetric, Double> e : report.values().entrySet()) {
            s.append("| ")
                    .append(e.getKey().label())
                    .append(" | ")
                    .append(format(e.getValue()))
                    .append(" |\n");
        }
        if (!report.diversity().isEmpty()) {
            s.append("| diversity KL(p_i || p_bar) per particle | ");
            List<String> d = new ArrayList<>();
            report.diversity().forEach(v -> d.add(format(v)));
            s.append(String.join(", ", d)).append(" |\n");
        }
        s.append("\nReliability diagram\n\n");
        s.append("| bin | confidence | count | mean confidence | accuracy | gap |\n");
        s.append("|---:|---|---:|---:|---:|---:|\n");
        List<ReliabilityDiagram.Bin> bins = report.classification().reliability().bins();
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
        if (!report.warnings().isEmpty()) {
            s.append('\n');
            report.warnings().forEach(w -> s.append("- warning: ").append(w).append('\n'));
        }
        return s.toString();
    }

    private static String format(double v) {
        return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%.4f", v);
    }
}
