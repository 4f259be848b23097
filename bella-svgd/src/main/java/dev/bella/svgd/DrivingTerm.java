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
 * How the loss gradients of the particles drive the low-rank SVGD update \( \phi_i \).
 *
 * <p>The default is {@link #KERNEL_SMOOTHED}, the driving term of SVGD as Liu &amp; Wang and the
 * Bella paper define it: only with it is \( \phi \) the steepest descent direction of the KL
 * divergence in the kernel's RKHS, and only then does the posterior become the fixed point of the
 * update. {@link #OWN_GRADIENT} gives a "repulsive ensemble" (each particle follows its own
 * gradient, the kernel only repels); it is exactly an ensemble when the repulsion weight is 0.
 */
public enum DrivingTerm {
    /**
     * SVGD's kernel-weighted mix of the particles' gradients: \( \frac{1}{n} \sum_j k_{ij} (-\nabla
     * L_j) \), one \( (n \times n)(n \times p) \) matmul per factor. When the particles are far
     * apart (\( K \approx I \)) this is \( -\nabla L_i / n \): the \( 1/n \) is part of SVGD's
     * normalisation, so the learning rate is relative to it (adaptive optimisers such as AdamW
     * largely absorb it).
     */
    KERNEL_SMOOTHED,

    /**
     * Each particle's own negative gradient \( -\nabla L_i \) at full scale (not \( 1/n \)): \(
     * k_{ij} \to \delta_{ij} \) with the \( 1/n \) dropped, so that with a repulsion weight of 0
     * the update is exactly (bitwise) the ensemble update \( -\nabla L_i \).
     */
    OWN_GRADIENT
}
