/**
 * Robustness and shift (SPEC §6): image corruptions in the style of CIFAR-10-C ({@link
 * dev.bella.core.robustness.Corruption}, severities 1 to 5, seeded, pure Java) and the fast
 * gradient sign method against the posterior predictive of the particles ({@link
 * dev.bella.core.robustness.Fgsm}, with accuracy curves over the perturbation size).
 */
package dev.bella.core.robustness;
