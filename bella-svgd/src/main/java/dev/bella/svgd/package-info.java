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
 * Stein Variational Gradient Descent (SVGD) over low-rank particles, with an RBF kernel on the
 * effective weight perturbations computed by the trace trick (SPEC §2), and a general full-rank
 * SVGD sampler.
 *
 * <ul>
 *   <li>{@link dev.bella.svgd.LowRankFactors}: one adapted layer's stacked factors \( A \) {@code
 *       (n, d_in, r)}, \( B \) {@code (n, r, d_out)} and scale \( s \).
 *   <li>{@link dev.bella.svgd.LowRankKernel}: pairwise squared distances \( D_{ij} = \sum_l s_l^2
 *       \lVert A_i B_i - A_j B_j \rVert_F^2 \) from two Gram GEMMs per layer, the kernel, and the
 *       analytic repulsion gradients.
 *   <li>{@link dev.bella.svgd.LowRankSvgd}: the update \( \phi_i \) (driving term + \( \gamma \)
 *       repulsion) for every layer, given the per-particle loss gradients; what a trainer hands to
 *       its optimiser.
 *   <li>{@link dev.bella.svgd.Bandwidth}: the median heuristic or a fixed \( h \).
 *   <li>{@link dev.bella.svgd.Svgd}: Liu &amp; Wang's SVGD over full-rank particles for any {@link
 *       dev.bella.svgd.ScoreFunction}.
 * </ul>
 *
 * <p>Everything works on DJL {@code NDArray}s in {@code float32} or {@code float64}, uses only
 * engine-agnostic operations, scopes its intermediates in sub-managers, and rejects NaN or infinite
 * inputs with an {@link java.lang.IllegalArgumentException} naming the layer and the particle.
 */
package dev.bella.svgd;
