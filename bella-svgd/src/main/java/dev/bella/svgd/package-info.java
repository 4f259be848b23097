/**
 * Stein Variational Gradient Descent over low-rank particles, with an RBF kernel on the effective
 * weight perturbations computed by the trace trick.
 */
package dev.bella.svgd;
