/**
 * The training loop: {@link dev.bella.core.train.ParticleTrainer} with a pluggable {@link
 * dev.bella.core.train.UpdateRule}, its listeners ({@link dev.bella.core.train.EpochLog}, {@link
 * dev.bella.core.train.CheckpointListener}, {@link dev.bella.core.train.DivergenceGuard}), {@link
 * dev.bella.core.train.Checkpoints}, the per-particle loss, the posterior accuracy evaluator and a
 * resumable AdamW.
 */
package dev.bella.core.train;
