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
 * An example JSON web service for a Bella model on a plain server socket and a minimal HTTP/1.1
 * implementation: {@code POST /predict} answers each input with the posterior predictive and its
 * uncertainty (entropy, aleatoric part, mutual information), {@code GET /health} describes the
 * model and counts requests. Read timeouts, bounded connections, workers and queue, JSON refusals,
 * optional bearer tokens and a draining shutdown: see {@code docs/serving.md}.
 */
package dev.bella.examples.serve;
