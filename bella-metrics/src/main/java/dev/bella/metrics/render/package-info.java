/**
 * Renderers of a {@link dev.bella.metrics.MetricsReport}, which is data: {@link
 * dev.bella.metrics.render.JsonRenderer} (exact numbers, for machines) and {@link
 * dev.bella.metrics.render.MarkdownRenderer} (rounded, for people). Pictures are drawn by {@code
 * dev.bella.metrics.plot.MetricsPlots}. Renderers compute nothing but formatting.
 */
package dev.bella.metrics.render;
