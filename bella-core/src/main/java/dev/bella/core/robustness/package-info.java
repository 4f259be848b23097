/**
 * Adversarial robustness (SPEC §6): the fast gradient sign method against the posterior predictive
 * of the particles ({@link dev.bella.core.robustness.Fgsm}, with accuracy curves over the
 * perturbation size). It needs gradients, hence the engine.
 *
 * <p>The engine-free image corruptions in the style of CIFAR-10-C live in bella-metrics ({@code
 * dev.bella.metrics.shift.Corruption}); {@code dev.bella.core.interop.DjlArrays#corrupt} applies
 * them to an {@code NDArray}.
 */
package dev.bella.core.robustness;
