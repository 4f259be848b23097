/**
 * An example JSON web service for a Bella model on the JDK's built-in HTTP server: {@code POST
 * /predict} answers each input with the posterior predictive and its uncertainty (entropy,
 * aleatoric part, mutual information), {@code GET /health} describes the model. See {@code
 * docs/serving.md}.
 */
package dev.bella.examples.serve;
