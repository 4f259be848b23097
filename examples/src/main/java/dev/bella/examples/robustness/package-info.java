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
 * Adversarial robustness (SPEC §6) for the study: the fast gradient sign method against any
 * posterior's predictive ({@link dev.bella.examples.robustness.Fgsm}, with accuracy curves over the
 * perturbation size). It calls only {@code Posterior.logPredictive} and {@code
 * Posterior.sampleProbabilities}, so it works on every posterior of the library.
 *
 * <p>The engine-free image corruptions in the style of CIFAR-10-C live in bella-metrics ({@code
 * dev.bella.metrics.shift.Corruption}); {@code dev.bella.metrics.interop.DjlArrays#corrupt} applies
 * them to an {@code NDArray}.
 */
package dev.bella.examples.robustness;
