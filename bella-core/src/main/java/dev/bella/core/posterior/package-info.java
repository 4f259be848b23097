/**
 * Posteriors that predict: {@link dev.bella.core.posterior.Posterior} (the one predictive that
 * evaluation, FGSM and the service call), {@link dev.bella.core.posterior.ParticlePosterior} (the
 * particles with their {@link dev.bella.core.posterior.Provenance}), and {@link
 * dev.bella.core.posterior.Predictive}, the functional forms of SPEC §4 (mean of probabilities,
 * predictive entropy, aleatoric part, mutual information).
 */
package dev.bella.core.posterior;
