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
 * Posteriors that predict: {@link dev.bella.core.posterior.Posterior} (the one predictive that
 * evaluation, FGSM and the service call), {@link dev.bella.core.posterior.ParticlePosterior} (the
 * particles with their {@link dev.bella.core.posterior.Provenance}), and {@link
 * dev.bella.core.posterior.Predictive}, the functional forms of SPEC §4 (mean of probabilities,
 * predictive entropy, aleatoric part, mutual information).
 */
package dev.bella.core.posterior;
