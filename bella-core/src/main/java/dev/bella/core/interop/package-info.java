/**
 * A thin adapter from DJL {@code NDArray}s to the engine-free metrics of {@code bella-metrics}: it
 * copies arrays to Java and calls {@code dev.bella.metrics}. It lives here, in the module that
 * already has DJL, so that bella-metrics stays usable without any engine.
 */
package dev.bella.core.interop;
