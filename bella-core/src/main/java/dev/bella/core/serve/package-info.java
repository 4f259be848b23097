/**
 * Serving Bella models: {@link dev.bella.core.serve.UncertaintyPredictor}, a thread-safe predictor
 * that turns a {@link dev.bella.core.ParticleBlock} whose output is logits into per-input {@link
 * dev.bella.core.posterior.Prediction}s (posterior predictive, predictive entropy, its aleatoric part
 * and the mutual information), with input validation and per-call native memory scopes, for use
 * behind a web service or a queue consumer.
 */
package dev.bella.core.serve;
