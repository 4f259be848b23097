/**
 * Pictures of the metrics: the reliability diagram and histograms of predictive entropy and mutual
 * information for in-distribution vs OOD inputs, as PNG or SVG, drawn with XChart.
 *
 * <p>XChart ({@code org.knowm.xchart:xchart}) is an optional dependency of bella-metrics: a service
 * that only computes numbers does not need it. Code that draws must add it to its own build;
 * without it the methods here throw an {@link java.lang.IllegalStateException} that names the
 * artifact.
 */
package dev.bella.metrics.plot;
