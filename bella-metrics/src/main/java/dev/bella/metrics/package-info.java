/**
 * Calibration, uncertainty and out-of-distribution metrics on plain Java arrays.
 *
 * <p>This module has no native or engine dependency, so a service can score predictions with it
 * alone.
 */
package dev.bella.metrics;
