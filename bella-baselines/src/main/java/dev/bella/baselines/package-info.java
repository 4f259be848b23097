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
 * The other posteriors of the paper over the same adapters (SPEC §9), each on bella-core's training
 * seam: {@link dev.bella.baselines.SgldRule} (stochastic gradient Langevin dynamics, an {@code
 * UpdateRule}) with {@link dev.bella.baselines.SampleCollector} (burn-in and thinning, kept samples
 * as a {@code ParticlePosterior}), and {@link dev.bella.baselines.Laplace} (VBL: a diagonal Laplace
 * approximation over one adapter, the prior precision by marginal likelihood, sampled predictive),
 * {@link dev.bella.baselines.ViRule} (mean-field VI on the ELBO, the particles as the
 * reparameterised samples), {@link dev.bella.baselines.McDropout} (S stochastic passes of one
 * adapter with adapter dropout on), {@link dev.bella.baselines.SwagCollector} (SWAG as a training
 * listener: per particle a {@link dev.bella.baselines.SwagMoments} of running mean, diagonal second
 * moment and the last K deviations, drawn adapters as a {@code ParticlePosterior}); and Dirichlet
 * distillation: {@link dev.bella.baselines.DirichletDistillation} trains a {@link
 * dev.bella.baselines.DirichletStudent} (one network whose outputs are Dirichlet concentrations,
 * uncertainty in closed form by {@link dev.bella.baselines.Dirichlet}) on a teacher's samples with
 * {@link dev.bella.baselines.DirichletLoss}.
 */
package dev.bella.baselines;
