/*
 * Copyright 2026 The Bella developers
 *
 * Licensed under the Apache License, Version 2.0 (the "License"); you may not use this file except
 * in compliance with the License. You may obtain a copy of the License at
 *
 *     http://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software distributed under the License
 * is distributed on an "AS IS" BASIS, WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express
 * or implied. See the License for the specific language governing permissions and limitations under
 * the License.
 */
/**
 * Evaluation under distribution shift, engine-free: image corruptions in the style of CIFAR-10-C
 * ({@link dev.bella.metrics.shift.Corruption}, severities 1 to 5, seeded, pure Java) on a {@link
 * dev.bella.metrics.shift.ImageBatch} view of a {@code float[]}.
 *
 * <p>The DJL entry point (an {@code NDArray} in, an {@code NDArray} out) is {@link
 * dev.bella.metrics.interop.DjlArrays#corrupt}; the adversarial counterpart (FGSM) needs gradients
 * and a posterior, so it lives with the study in the examples module ({@code
 * dev.bella.examples.robustness}).
 */
package dev.bella.metrics.shift;
