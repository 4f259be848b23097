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
package dev.bella.core;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Supplier;

/**
 * A dense layer shared by {@code n} particles, each with its own low-rank perturbation.
 *
 * <p>With the frozen weight \( W_0 \) ({@code d_in x d_out}; stored in DJL's {@code (d_out, d_in)}
 * layout) and bias \( b_0 \), particle \( i \) computes \( y = x W_0 + b_0 + s\,(x A_i) B_i \) with
 * \( A_i \in \mathbb{R}^{d_{in} \times r} \), \( B_i \in \mathbb{R}^{r \times d_{out}} \) and \( s
 * = \alpha / r \). {@code A} is stored as one {@code (n, d_in, r)} parameter and {@code B} as
 * {@code (n, r, d_out)}.
 *
 * <p>The input holds all particles' rows, particle-major: its first axis has {@code n * b} entries,
 * rows {@code [i b, (i+1) b)} belonging to particle {@code i}. The shared product \( x W_0 + b_0 \)
 * is one GEMM over all rows; the low-rank part is two batched GEMMs.
 *
 * <p>Instances are created by {@link Bella#wrap}; the base parameters are frozen views of the
 * wrapped model's arrays (no copy), the adapters are trainable. It extends {@link Linear} so that
 * it can take a {@code Linear}'s place in any block (see {@link ParticleLinear}).
 *
 * <p>With adapter dropout ({@link BellaConfig.Builder#optAdapterDropout}), a training pass computes
 * the branch on a masked input, \( s\,(\frac{m \odot x}{1 - p} A_i) B_i \), while \( x W_0 + b_0 \)
 * sees \( x \); the masks are set up by the {@link ParticleBlock} the layer belongs to.
 */
public final class LowRankLinear extends ParticleLinear {

    private final int rank;
    private final double scale;
    private final Parameter weight;
    private final Parameter bias;
    private final Parameter a;
    private final Parameter b;
    private final Map<String, Parameter> particleParameters;
    private Dropout dropout = Dropout.NONE;
    private int layerIndex;

    LowRankLinear(
            String path,
            Parameter weight,
            Parameter bias,
            Parameter a,
            Parameter b,
            double scale,
            Shape[] inputShapes) {
        super(
                path,
                weight.getArray().getShape().get(1),
                weight.getArray().getShape().get(0),
                Math.toIntExact(a.getArray().getShape().get(0)),
                bias != null,
                inputShapes);
        Shape ws = weight.getArray().getShape();
        Shape as = a.getArray().getShape();
        Shape bs = b.getArray().getShape();
        this.rank = as.dimension() == 3 ? Math.toIntExact(as.get(2)) : -1;
        if (as.dimension() != 3
                || as.get(1) != getInFeatures()
                || !bs.equals(new Shape(getParticles(), rank, getOutFeatures()))) {
            throw new IllegalArgumentException(
                    "adapter shapes of layer '"
                            + path
                            + "' do not fit its weight "
                            + ws
                            + ": A "
                            + as
                            + ", B "
                            + bs);
        }
        this.scale = scale;
        this.weight = addParameter(weight);
        this.bias = bias == null ? null : addParameter(bias);
        this.a = addParameter(a);
        this.b = addParameter(b);
        Map<String, Parameter> named = new LinkedHashMap<>();
        named.put(AdapterNames.LORA_A, a);
        named.put(AdapterNames.LORA_B, b);
        this.particleParameters = Collections.unmodifiableMap(named);
    }

    /**
     * Computes all particles' outputs: \( x W_0^\top + b_0 + s\,(x A_i) B_i \) per particle block
     * of rows. This is the functional form of the block, usable on its own.
     *
     * @param input {@code (n * b, ..., d_in)}, particle-major on the first axis
     * @param weight {@code (d_out, d_in)}, DJL's layout of \( W_0^\top \)
     * @param bias {@code (d_out)} or {@code null}
     * @param a {@code (n, d_in, r)}
     * @param b {@code (n, r, d_out)}
     * @param scale the LoRA scale \( s \)
     * @return {@code (n * b, ..., d_out)}
     */
    public static NDArray lowRankLinear(
            NDArray input, NDArray weight, NDArray bias, NDArray a, NDArray b, double scale) {
        return lowRankLinear(input, input, weight, bias, a, b, scale);
    }

    /** As above, with the branch on {@code branchInput} (the dropped-out input) instead. */
    private static NDArray lowRankLinear(
            NDArray input,
            NDArray branchInput,
            NDArray weight,
            NDArray bias,
            NDArray a,
            NDArray b,
            double scale) {
        long n = a.getShape().get(0);
        long in = a.getShape().get(1);
        NDArray base = Linear.linear(input, weight, bias).singletonOrThrow();
        NDArray low = branchInput.reshape(n, -1, in).matMul(a);
        if (scale != 1.0) {
            low = Scalars.mul(low, scale);
        }
        // In place: saves one output-sized buffer per layer. Autograd allows it, since the base
        // product's backward needs its inputs, not its output.
        return base.addi(low.matMul(b).reshape(base.getShape()));
    }

    /**
     * Returns the dense weight of one particle, \( W_0 + s A_i B_i \), in DJL's {@code (d_out,
     * d_in)} layout.
     *
     * @param weight \( W_0^\top \), {@code (d_out, d_in)}
     * @param ai \( A_i \), {@code (d_in, r)}
     * @param bi \( B_i \), {@code (r, d_out)}
     * @param scale \( s \)
     * @return a new {@code (d_out, d_in)} array
     */
    public static NDArray merge(NDArray weight, NDArray ai, NDArray bi, double scale) {
        return weight.add(bi.transpose().matMul(ai.transpose()).mul(scale));
    }

    /**
     * Removes one particle's perturbation from a merged weight: \( W - s A_i B_i \), the inverse of
     * {@link #merge}.
     *
     * @param merged a merged weight, {@code (d_out, d_in)}
     * @param ai \( A_i \), {@code (d_in, r)}
     * @param bi \( B_i \), {@code (r, d_out)}
     * @param scale \( s \)
     * @return a new {@code (d_out, d_in)} array
     */
    public static NDArray unmerge(NDArray merged, NDArray ai, NDArray bi, double scale) {
        return merged.sub(bi.transpose().matMul(ai.transpose()).mul(scale));
    }

    @Override
    NDArray forwardRows(NDArray x, ParameterStore store, boolean training, ParticleRange range) {
        Device device = x.getDevice();
        Dropout.Pass pass = dropout.current();
        return lowRankLinear(
                x,
                pass == null ? x : x.mul(pass.mask(x, layerIndex)),
                store.getValue(weight, device, training),
                store.getValue(bias, device, training),
                range.slice(store.getValue(a, device, training), x),
                range.slice(store.getValue(b, device, training), x),
                scale);
    }

    /**
     * Returns {@code lora_A} \( (n, d_{in}, r) \) and {@code lora_B} \( (n, r, d_{out}) \).
     *
     * @return the two factors by name
     */
    @Override
    public Map<String, Parameter> getParticleParameters() {
        return particleParameters;
    }

    /**
     * Returns the number of trainable values per particle, \( r (d_{in} + d_{out}) \).
     *
     * @return the adapter size of one particle
     */
    @Override
    public long trainablePerParticle() {
        return rank * (getInFeatures() + getOutFeatures());
    }

    @Override
    public long sharedFrozenValues() {
        return weight.getArray().size() + (bias == null ? 0 : bias.getArray().size());
    }

    /**
     * Returns the rank {@code r}.
     *
     * @return the rank
     */
    @Override
    public int getRank() {
        return rank;
    }

    /**
     * Returns the LoRA scale \( s = \alpha / r \).
     *
     * @return the scale
     */
    public double getScale() {
        return scale;
    }

    /**
     * Returns the frozen base weight, DJL layout {@code (d_out, d_in)}.
     *
     * @return the weight parameter (does not require gradient)
     */
    public Parameter getWeight() {
        return weight;
    }

    /**
     * Returns the frozen bias, or {@code null} if the layer has none.
     *
     * @return the bias parameter or {@code null}
     */
    public Parameter getBias() {
        return bias;
    }

    /**
     * Returns the trainable {@code A} of all particles, {@code (n, d_in, r)}.
     *
     * @return the A parameter
     */
    public Parameter getA() {
        return a;
    }

    /**
     * Returns the trainable {@code B} of all particles, {@code (n, r, d_out)}.
     *
     * @return the B parameter
     */
    public Parameter getB() {
        return b;
    }

    /**
     * Returns particle {@code i}'s merged dense weight \( W_0 + s A_i B_i \) in DJL's layout.
     *
     * @param i the particle index
     * @return a new array attached to the base weight's manager; the caller closes it
     */
    public NDArray mergedWeight(int i) {
        checkParticle(i);
        NDArray ai = a.getArray().get(i);
        NDArray bi = b.getArray().get(i);
        NDArray merged = merge(weight.getArray(), ai, bi, scale);
        ai.close();
        bi.close();
        return merged;
    }

    /**
     * Returns the dense weight of a weighted mix of the particles' perturbations, \( W_0 + s \sum_i
     * w_i A_i B_i \), in DJL's layout. With uniform weights \( 1/n \) this is the soup (SPEC §3),
     * which is not \( W_0 + s\,\bar A \bar B \).
     *
     * @param weights one weight per particle
     * @return a new {@code (d_out, d_in)} array attached to the base weight's manager
     */
    public NDArray mixedWeight(double[] weights) {
        checkWeights(weights);
        int particles = getParticles();
        NDArray av = a.getArray();
        NDManager m = av.getManager();
        try (NDManager scope = m.newSubManager()) {
            float[] w = new float[particles];
            for (int i = 0; i < particles; i++) {
                w[i] = (float) weights[i];
            }
            NDArray wa =
                    av.mul(
                            scope.create(w, new Shape(particles, 1, 1))
                                    .toType(av.getDataType(), false));
            NDArray aCat = wa.transpose(1, 0, 2).reshape(getInFeatures(), (long) particles * rank);
            NDArray bCat = b.getArray().reshape((long) particles * rank, getOutFeatures());
            NDArray delta = bCat.transpose().matMul(aCat.transpose()).mul(scale);
            delta.attach(scope);
            NDArray merged = weight.getArray().add(delta);
            merged.attach(m);
            return merged;
        }
    }

    @Override
    LowRankLinear select(int i, NDManager viewManager) {
        checkParticle(i);
        NDIndex one = new NDIndex("{}:{}", i, i + 1);
        NDArray av = a.getArray().get(one);
        NDArray bv = b.getArray().get(one);
        av.attach(viewManager);
        bv.attach(viewManager);
        return new LowRankLinear(
                getPath(),
                weight,
                bias,
                frozen(AdapterNames.LORA_A, av),
                frozen(AdapterNames.LORA_B, bv),
                scale,
                inputShapes());
    }

    @Override
    Linear mergeParticle(int i, NDManager manager) {
        return frozenLinear(mergedWeight(i), frozenBias(), manager);
    }

    @Override
    Linear mergeWeighted(double[] weights, NDManager manager) {
        return frozenLinear(mixedWeight(weights), frozenBias(), manager);
    }

    private NDArray frozenBias() {
        return bias == null ? null : bias.getArray().stopGradient();
    }

    /**
     * Shares the dropout state of the block this layer belongs to; {@code index} names its masks.
     */
    void setDropout(Dropout dropout, int index) {
        this.dropout = dropout;
        this.layerIndex = index;
    }

    /**
     * The adapter dropout of the forward pass running on the current thread, shared by a {@link
     * ParticleBlock} and its low-rank layers: unset (the state outside a dropout pass), layers
     * compute exactly the pass without dropout.
     */
    static final class Dropout {

        /** A state never set: the layers of a block that is not built with one never drop. */
        static final Dropout NONE = new Dropout();

        private final ThreadLocal<Pass> current = new ThreadLocal<>();

        /**
         * One pass's masks over {@code count} running particles: particle {@code from + j} draws
         * layer {@code l}'s mask from {@code Seeds.stream(seed, from + j, l)} or, when {@code
         * passes} is given (training), {@code Seeds.stream(seed, from + j, passes[j], l)}: one
         * uniform per element of its rows of the layer input, in row-major order, the element
         * dropped where the uniform is below {@code p}.
         */
        record Pass(double p, long seed, int from, int count, long[] passes) {

            /** The mask of every running particle's rows of {@code x}, values 0 or 1/(1-p). */
            NDArray mask(NDArray x, int layer) {
                long size = x.size();
                int per = Math.toIntExact(size / count);
                float[] m = new float[Math.toIntExact(size)];
                float keep = (float) (1 / (1 - p));
                for (int j = 0; j < count; j++) {
                    SplittableRandom rng =
                            passes == null
                                    ? Seeds.stream(seed, from + j, layer)
                                    : Seeds.stream(seed, from + j, passes[j], layer);
                    int off = j * per;
                    for (int k = 0; k < per; k++) {
                        m[off + k] = rng.nextDouble() < p ? 0f : keep;
                    }
                }
                return x.getManager().create(m, x.getShape()).toType(x.getDataType(), false);
            }
        }

        Pass current() {
            return current.get();
        }

        /** Runs {@code body} with {@code pass} set on this thread; {@code null} runs it as is. */
        <T> T with(Pass pass, Supplier<T> body) {
            if (pass == null) {
                return body.get();
            }
            Pass outer = current.get();
            current.set(pass);
            try {
                return body.get();
            } finally {
                if (outer == null) {
                    current.remove();
                } else {
                    current.set(outer);
                }
            }
        }
    }
}
