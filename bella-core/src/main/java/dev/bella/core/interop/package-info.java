/**
 * The DJL side of the array interop of bella-metrics: {@link dev.bella.core.interop.DjlArrays}
 * implements bella-metrics' one contract, {@code dev.bella.metrics.interop.ArrayAdapter}, for DJL's
 * {@code NDArray} (as bella-metrics' {@code Nd4jArrays} does for ND4J): one copy from the engine to
 * a {@code float[]}, wrapped in the metrics' input views ({@code ProbabilityMatrix}, {@code
 * ParticleProbabilities}, {@code Scores}), and the contract's conveniences (classification,
 * uncertainty, report). It also applies the engine-free image corruptions of {@code
 * dev.bella.metrics.shift} to an {@code NDArray}. It lives here, in the module that already has
 * DJL, so that bella-metrics stays usable without any engine.
 */
package dev.bella.core.interop;
