/**
 * Training low-rank particles as a posterior: {@link dev.bella.svgd.train.BellaTrainer} (SVGD or an
 * ensemble, one switch), the per-particle loss, the posterior accuracy evaluator, a resumable
 * AdamW, and the immutable {@link dev.bella.svgd.train.Posterior} that training returns.
 */
package dev.bella.svgd.train;
