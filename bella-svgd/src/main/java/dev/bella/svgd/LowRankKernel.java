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

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The RBF kernel over low-rank particles (SPEC §2), computed by the trace trick, and its analytic
 * gradients. Static functional forms; {@link LowRankSvgd} composes them into the update.
 *
 * <p><b>Distances.</b> For particles \( i, j \) and layers \( l \) with scale \( s_l \),
 *
 * <p>\[ D_{ij} = \sum_l s_l^2 \lVert A_i B_i - A_j B_j \rVert_F^2 = \sum_l (S^l_{ii} + S^l_{jj} - 2
 * S^l_{ij}), \quad S^l_{ij} = s_l^2 \operatorname{tr}\big( (A_i^\top A_j) (B_j B_i^\top) \big). \]
 *
 * <p>Per layer, with the factors stacked as \( A_{cat} \) (\( d_{in} \times n r \)) and \( B_{cat}
 * \) (\( n r \times d_{out} \)), two GEMMs give the Gram matrices \( G_A = A_{cat}^\top A_{cat} \)
 * and \( G_B = B_{cat} B_{cat}^\top \) (both \( n r \times n r \)), and \( S \) is the sum over the
 * \( r \times r \) blocks of \( G_A \circ G_B \): \( O(n^2 r^2 (d_{in} + d_{out})) \) FLOPs and no
 * \( d_{in} \times d_{out} \) matrix, instead of \( O(n d_{in} r d_{out} + n^2 d_{in} d_{out}) \)
 * for the dense computation.
 *
 * <p><b>Round-off.</b> \( S_{ii} + S_{jj} - 2 S_{ij} \) cancels when particles are close, so the
 * computed \( D_{ij} \) can come out slightly negative (by about the unit round-off of the data
 * type times \( S_{ii} + S_{jj} \)); such values are clamped to 0. The diagonal is exactly 0.
 * Distances are computed in the data type of the factors, so in {@code float32} distances much
 * smaller than \( 10^{-6} (S_{ii} + S_{jj}) \) are not resolved; use {@code float64} factors if
 * that matters.
 *
 * <p><b>Inputs.</b> All layers must hold the same number of particles and the same data type
 * ({@code float32} or {@code float64}); ranks and scales may differ between layers. Every public
 * method rejects NaN or infinite factors with an {@link IllegalArgumentException} naming the layer
 * and the particle.
 *
 * <p><b>Memory.</b> Intermediates live in a sub-manager that is closed before returning; the
 * results belong to the manager of the first layer's {@code a}. The inputs are only read.
 */
public final class LowRankKernel {

    private LowRankKernel() {}

    /**
     * Returns the pairwise squared distances \( D \) of the particles' scaled perturbations, summed
     * over the layers, by the trace trick.
     *
     * @param layers the factors of each adapted layer, at least one
     * @return \( D \), shape {@code (n, n)}, symmetric, zero diagonal, non-negative
     * @throws IllegalArgumentException if the layers are empty or disagree on \( n \) or the data
     *     type, or a factor holds NaN or infinity
     */
    public static NDArray squaredDistances(List<LowRankFactors> layers) {
        checkLayers(layers);
        NDManager parent = layers.get(0).a().getManager();
        try (NDManager scope = parent.newSubManager()) {
            attachFactors(scope, layers);
            NDArray d = distances(innerProducts(grams(layers)));
            d.attach(parent);
            return d;
        }
    }

    /**
     * Evaluates the kernel: \( D \) by the trace trick, \( h^2 \) by the bandwidth rule, \( K =
     * \exp(-D / (2 h^2)) \).
     *
     * @param layers the factors of each adapted layer, at least one
     * @param bandwidth the bandwidth rule
     * @return the distances, kernel and statistics
     * @throws IllegalArgumentException as {@link #squaredDistances}, or if a distance overflows
     */
    public static KernelMatrix evaluate(List<LowRankFactors> layers, Bandwidth bandwidth) {
        Objects.requireNonNull(bandwidth, "bandwidth");
        NDArray d = squaredDistances(layers);
        return KernelMatrix.fromSquaredDistances(d, bandwidth);
    }

    /**
     * Returns the repulsion term \( r_i \) for every particle and layer, shaped like the factors
     * (not yet multiplied by the repulsion weight \( \gamma \)).
     *
     * <p>For {@link Repulsion#KERNEL_GRADIENT}, with \( w_{ij} = s^2 k_{ij} / (n h^2) \) for \( j
     * \ne i \) (the \( j = i \) term is 0):
     *
     * <p>\[ r^A_i = \sum_j w_{ij} (A_i M_{ii} - A_j M_{ji}), \quad r^B_i = \sum_j w_{ij} (N_{ii}
     * B_i - N_{ij} B_j), \quad M_{ji} = B_j B_i^\top, \ N_{ij} = A_i^\top A_j, \]
     *
     * <p>the blocks of \( G_B \) and \( G_A \), evaluated for all \( i \) at once with the
     * Laplacian \( L = \mathrm{diag}(W \mathbf{1}) - W \) of the weights as two GEMMs, \( r^A =
     * A_{cat} (L \otimes \mathbf{1}_{r \times r} \circ G_B) \) and \( r^B = (L \otimes
     * \mathbf{1}_{r \times r} \circ G_A) B_{cat} \) (rows and columns indexed by \( (i, a) \)).
     * {@link Repulsion#STEIN} is documented there. \( h \) is treated as a constant (the median
     * heuristic is not differentiated), as in Liu &amp; Wang.
     *
     * @param layers the factors of each adapted layer, at least one
     * @param kernel the kernel evaluated on these factors ({@link #evaluate})
     * @param form which repulsion term
     * @return one {@link FactorPair} per layer, in the order of {@code layers}
     * @throws IllegalArgumentException as {@link #squaredDistances}, or if the kernel is not \( n
     *     \times n \)
     */
    public static List<FactorPair> repulsion(
            List<LowRankFactors> layers, KernelMatrix kernel, Repulsion form) {
        Objects.requireNonNull(kernel, "kernel");
        Objects.requireNonNull(form, "form");
        int n = checkLayers(layers);
        checkKernel(kernel, n);
        NDManager parent = layers.get(0).a().getManager();
        try (NDManager scope = parent.newSubManager()) {
            attachFactors(scope, layers);
            attach(scope, kernel.kernel());
            List<Grams> grams = grams(layers);
            NDArray w = pairWeights(kernel);
            Map<Integer, NDArray> blocks = new HashMap<>();
            List<FactorPair> out = new ArrayList<>(grams.size());
            for (Grams g : grams) {
                FactorPair r = repulsion(g, w, blocks, form);
                r.a().attach(parent);
                r.b().attach(parent);
                out.add(r);
            }
            return List.copyOf(out);
        }
    }

    // ---------------------------------------------------------------------------------------
    // Package-private building blocks, shared with LowRankSvgd. They run inside the caller's
    // scope (every array they create lands in the manager of their inputs).

    /**
     * One layer's stacked factors and Gram matrices. {@code at} is \( A_{cat}^\top \) with rows \(
     * (i, a) \) (shape {@code (n r, d_in)}), {@code bc} is \( B_{cat} \) (shape {@code (n r,
     * d_out)}), {@code gramA}[(i,a),(j,b)] \( = (A_i^\top A_j)_{ab} \), {@code gramB}[(i,a),(j,b)]
     * \( = (B_i B_j^\top)_{ab} \).
     */
    record Grams(
            NDArray a,
            NDArray b,
            NDArray at,
            NDArray bc,
            NDArray gramA,
            NDArray gramB,
            double scale,
            int n,
            int r) {}

    static List<Grams> grams(List<LowRankFactors> layers) {
        List<Grams> out = new ArrayList<>(layers.size());
        for (LowRankFactors f : layers) {
            int n = f.particles();
            int r = f.rank();
            NDArray a = f.a().stopGradient();
            NDArray b = f.b().stopGradient();
            NDArray at = a.transpose(0, 2, 1).reshape(n * (long) r, f.inputDim());
            NDArray bc = b.reshape(n * (long) r, f.outputDim());
            NDArray gramA = at.matMul(at.transpose());
            NDArray gramB = bc.matMul(bc.transpose());
            out.add(new Grams(a, b, at, bc, gramA, gramB, f.scale(), n, r));
        }
        return out;
    }

    /** \( S = \sum_l s_l^2 \, \mathrm{blocksum}(G_A \circ G_B) \), shape (n, n). */
    static NDArray innerProducts(List<Grams> grams) {
        NDArray total = null;
        for (Grams g : grams) {
            NDArray s =
                    g.gramA()
                            .mul(g.gramB())
                            .reshape(g.n(), g.r(), g.n(), g.r())
                            .sum(new int[] {1, 3})
                            .mul(g.scale() * g.scale());
            total = total == null ? s : total.add(s);
        }
        return total;
    }

    /** \( D_{ij} = \max(0, S_{ii} + S_{jj} - 2 S_{ij}) \). */
    static NDArray distances(NDArray inner) {
        long n = inner.getShape().get(0);
        NDArray diag = inner.diagonal();
        return diag.reshape(n, 1).add(diag.reshape(1, n)).sub(inner.mul(2)).maximum(0);
    }

    /** \( W = K / (n h^2) \) with a zero diagonal (the \( s^2 \) is applied per layer). */
    static NDArray pairWeights(KernelMatrix kernel) {
        NDArray k = kernel.kernel();
        int n = Math.toIntExact(k.getShape().get(0));
        NDArray offDiagonal = k.getManager().eye(n, n, 0, k.getDataType()).mul(-1).add(1);
        return k.mul(1.0 / (n * kernel.squaredBandwidth())).mul(offDiagonal);
    }

    /**
     * \( L \otimes \mathbf{1}_{r \times r} \) with \( L = \mathrm{diag}(W \mathbf{1}) - W \), shape
     * {@code (n r, n r)}.
     */
    static NDArray laplacianBlocks(NDArray w, int n, int r) {
        NDArray degree = w.sum(new int[] {1});
        NDArray l = w.neg().add(w.getManager().eye(n, n, 0, w.getDataType()).mul(degree));
        return l.reshape(n, 1, n, 1).broadcast(n, r, n, r).reshape((long) n * r, (long) n * r);
    }

    /**
     * The repulsion of one layer for all particles, {@code w} from {@link #pairWeights}; {@code
     * blocks} caches {@link #laplacianBlocks} by rank across the layers of one update.
     */
    static FactorPair repulsion(Grams g, NDArray w, Map<Integer, NDArray> blocks, Repulsion form) {
        int n = g.n();
        int r = g.r();
        long din = g.at().getShape().get(1);
        long dout = g.bc().getShape().get(1);
        switch (form) {
            case KERNEL_GRADIENT:
                {
                    // With L = diag(W 1) - W (the Laplacian of the pair weights) and L_r = L kron
                    // 1_{r x r}: rows (i,a) of r^A_i transposed are sum_(j,b) G_B[(i,a),(j,b)]
                    // L_ij A_cat^T[(j,b), :] (G_B is symmetric), and r^B = (G_A o L_r) B_cat. One
                    // GEMM per factor, no batched r x r products.
                    NDArray lr = blocks.computeIfAbsent(r, k -> laplacianBlocks(w, n, k));
                    if (g.scale() != 1) {
                        lr = lr.mul(g.scale() * g.scale());
                    }
                    NDArray repAt = g.gramB().mul(lr).matMul(g.at());
                    NDArray repA = repAt.reshape(n, r, din).transpose(0, 2, 1);
                    NDArray repB = g.gramA().mul(lr).matMul(g.bc()).reshape(n, r, dout);
                    return new FactorPair(repA, repB);
                }
            case STEIN:
                {
                    NDArray wl = w.mul(g.scale() * g.scale());
                    NDArray a = g.a();
                    NDArray b = g.b();
                    // M_ii = B_i B_i^T and N_ii = A_i^T A_i, (n, r, r).
                    NDArray mDiag = b.matMul(b.transpose(0, 2, 1));
                    NDArray nDiag = g.at().reshape(n, r, din).matMul(a);
                    // sum_j w_ij B_i B_j^T = sum_j w_ij G_B[(i,.),(j,.)], (n, r, r)
                    NDArray pB =
                            g.gramB()
                                    .reshape(n, r, n, r)
                                    .mul(wl.reshape(n, 1, n, 1))
                                    .sum(new int[] {2});
                    NDArray selfA = a.matMul(mDiag).reshape(n, din * r);
                    NDArray repA = a.matMul(pB).sub(wl.matMul(selfA).reshape(n, din, r));
                    // sum_j w_ij A_j^T A_i: G_A[(j,a),(i,b)] weighted by w_ij, summed over j
                    NDArray pA =
                            g.gramA()
                                    .reshape(n, r, n, r)
                                    .mul(wl.transpose().reshape(n, 1, n, 1))
                                    .sum(new int[] {0})
                                    .transpose(1, 0, 2);
                    NDArray selfB = nDiag.matMul(b).reshape(n, r * dout);
                    NDArray repB = pA.matMul(b).sub(wl.matMul(selfB).reshape(n, r, dout));
                    return new FactorPair(repA, repB);
                }
            default:
                throw new IllegalArgumentException("unknown repulsion form " + form);
        }
    }

    /**
     * Validates the layer list: non-empty, same \( n \) and data type everywhere, finite values.
     *
     * @return \( n \)
     */
    static int checkLayers(List<LowRankFactors> layers) {
        Objects.requireNonNull(layers, "layers");
        if (layers.isEmpty()) {
            throw new IllegalArgumentException("at least one layer is needed, layers is empty");
        }
        LowRankFactors first = Objects.requireNonNull(layers.get(0), "layer 0");
        int n = first.particles();
        DataType type = first.a().getDataType();
        for (int l = 0; l < layers.size(); l++) {
            LowRankFactors f = Objects.requireNonNull(layers.get(l), "layer " + l);
            if (f.particles() != n) {
                throw new IllegalArgumentException(
                        "every layer must hold the same number of particles, layer 0 has "
                                + n
                                + ", layer "
                                + l
                                + " has "
                                + f.particles());
            }
            if (f.a().getDataType() != type) {
                throw new IllegalArgumentException(
                        "every layer must have the same data type, layer 0 is "
                                + type
                                + ", layer "
                                + l
                                + " is "
                                + f.a().getDataType());
            }
        }
        List<NDArray> arrays = new ArrayList<>(2 * layers.size());
        for (LowRankFactors f : layers) {
            arrays.add(f.a());
            arrays.add(f.b());
        }
        Finite.requireFinite(
                arrays, i -> "factor " + (i % 2 == 0 ? "A" : "B") + " of layer " + i / 2);
        return n;
    }

    static void checkKernel(KernelMatrix kernel, int n) {
        long[] shape = kernel.kernel().getShape().getShape();
        if (shape.length != 2 || shape[0] != n || shape[1] != n) {
            throw new IllegalArgumentException(
                    "the kernel must be (n, n) for the n = "
                            + n
                            + " particles of the layers, kernel.shape = "
                            + kernel.kernel().getShape());
        }
    }

    static void attachFactors(NDManager scope, List<LowRankFactors> layers) {
        for (LowRankFactors f : layers) {
            attach(scope, f.a(), f.b());
        }
    }

    /** Temporarily attaches the arrays to {@code scope} (each once, whatever the aliasing). */
    static void attach(NDManager scope, NDArray... arrays) {
        for (NDArray x : arrays) {
            if (x.getManager() != scope) {
                x.tempAttach(scope);
            }
        }
    }
}
