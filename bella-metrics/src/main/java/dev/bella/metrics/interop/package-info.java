/**
 * Adapters from other array libraries to the plain Java arrays the metrics take.
 *
 * <p>ND4J ({@code org.nd4j:nd4j-api}) is an optional dependency: {@link
 * dev.bella.metrics.interop.Nd4jArrays} works when the user's own build has ND4J (for example
 * through DL4J), and nothing else in bella-metrics needs it. The DJL adapter lives in bella-core
 * ({@code dev.bella.core.interop.NDArrays}), which already depends on DJL, so that this module
 * stays engine-free.
 */
package dev.bella.metrics.interop;
