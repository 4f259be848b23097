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
package dev.bella.svgd;

/**
 * Which repulsion term the low-rank SVGD update uses. With \( w_{ij} = k_{ij} / (2 h^2) \) and the
 * squared distance \( D(\theta, \theta') = s^2 \lVert A B - A' B' \rVert_F^2 \) of one layer:
 *
 * <p>The two forms agree for a kernel that depends only on \( \theta_i - \theta_j \) (as in the
 * full-rank {@link Svgd}). The Bella kernel depends on \( A_i B_i - A_j B_j \), which is not a
 * function of \( (A_i - A_j, B_i - B_j) \), so here they differ: in \( \partial / \partial A \) the
 * difference \( s^2 (A_i B_i - A_j B_j) \) is mapped back through \( B_i^\top \) by {@link
 * #KERNEL_GRADIENT} and through \( B_j^\top \) by {@link #STEIN} (and through \( A_i^\top \) versus
 * \( A_j^\top \) in \( \partial / \partial B \)). Both push particle \( i \) away from its
 * neighbours in function space and both vanish for coincident particles.
 */
public enum Repulsion {
    /**
     * SPEC §2 as written (the default): \( r_i = \frac{1}{n} \sum_j -\nabla_{\theta_i} k(\theta_i,
     * \theta_j) = \frac{1}{n} \sum_j w_{ij} \nabla_{\theta_i} D_{ij} \) with
     *
     * <p>\( \nabla_{A_i} D_{ij} = 2 s^2 (A_i B_i - A_j B_j) B_i^\top \), \( \nabla_{B_i} D_{ij} = 2
     * s^2 A_i^\top (A_i B_i - A_j B_j) \).
     *
     * <p>It is gradient descent, for particle \( i \), on the kernel density \( \sum_j k(\theta_i,
     * \theta_j) \) at its own position. Costs two extra \( (n r \times n r)(n r \times d) \) GEMMs
     * per layer.
     */
    KERNEL_GRADIENT,

    /**
     * The Stein term of Liu &amp; Wang's SVGD: \( r_i = \frac{1}{n} \sum_j \nabla_{\theta_j}
     * k(\theta_j, \theta_i) \), the derivative taken in the first argument at the neighbour \(
     * \theta_j \):
     *
     * <p>\( r^A_i = \frac{1}{n} \sum_j w_{ij} \, 2 s^2 (A_i B_i - A_j B_j) B_j^\top \), \( r^B_i =
     * \frac{1}{n} \sum_j w_{ij} \, 2 s^2 A_j^\top (A_i B_i - A_j B_j) \).
     *
     * <p>This is exact SVGD for the kernel \( k(\theta, \theta') \) on \( \theta = (A, B) \) (the
     * paper's "joint SVGD on \( (A, B) \)"), the form for which the Stein identity makes the
     * posterior a fixed point. Cheaper than {@link #KERNEL_GRADIENT}: only \( O(n^2 r (d_{in} +
     * d_{out})) \) beyond the Gram matrices.
     */
    STEIN
}
