/**
 * Evaluation under distribution shift, engine-free: image corruptions in the style of CIFAR-10-C
 * ({@link dev.bella.metrics.shift.Corruption}, severities 1 to 5, seeded, pure Java) on a {@link
 * dev.bella.metrics.shift.ImageBatch} view of a {@code float[]}.
 *
 * <p>The DJL entry point (an {@code NDArray} in, an {@code NDArray} out) is bella-core's {@code
 * dev.bella.core.interop.DjlArrays#corrupt}; the adversarial counterpart (FGSM) needs gradients, so
 * it lives in bella-core's {@code dev.bella.core.robustness}.
 */
package dev.bella.metrics.shift;
