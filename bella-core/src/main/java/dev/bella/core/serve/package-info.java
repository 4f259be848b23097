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
 * Serving Bella models: {@link dev.bella.core.serve.UncertaintyPredictor}, a thread-safe predictor
 * that turns a {@link dev.bella.core.ParticleBlock} whose output is logits into per-input {@link
 * dev.bella.core.posterior.Prediction}s (posterior predictive, predictive entropy, its aleatoric
 * part and the mutual information), with input validation and per-call native memory scopes, for
 * use behind a web service or a queue consumer; and {@link
 * dev.bella.core.serve.CoalescingPredictor}, which gathers concurrent single-input requests into
 * one batched pass of the particles (bounded wait, bounded batch, bounded queue).
 */
package dev.bella.core.serve;
