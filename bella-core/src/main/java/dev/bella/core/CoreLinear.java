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
import java.util.Map;

/**
 * A dense layer shared by {@code n} particles, each with its own \( r \times r \) core between
 * frozen factors from the SVD of the pre-trained weight: LoRA-XS / B-LoRA-XS (SPEC §9).
 *
 * <p>With \( W_0 \approx U_r \operatorname{diag}(s_r) V_r^\top \) the truncated SVD of the frozen
 * weight ({@code d_in x d_out}, SPEC §1's orientation; see {@link TruncatedSvd}), \( A = U_r
 * \operatorname{diag}(s_r) \) ({@code d_in x r}) and \( B = V_r^\top \) ({@code r x d_out}) are
 * frozen and shared by all particles, and particle \( i \) computes \( y = x W_0 + b_0 + s\,((x A)
 * R_i) B \), \( \Delta W_i = s A R_i B \): only \( R_i \) ({@code lora_R}, stored as one {@code (n,
 * r, r)} parameter) is trained, \( r^2 \) values per layer instead of \( r (d_{in} + d_{out}) \).
 * \( R_i = 0 \) at initialisation unless {@link BellaConfig.Builder#optBInitStd} asks for noise.
 *
 * <p>The factors are computed once per base weight and rank when the base is wrapped and cached by
 * the weight's SHA-256, so re-wrapping the same base (loading adapters, drawing samples, soups)
 * reuses them; they are not saved with the adapters (they follow from the base). Created by {@link
 * Bella#wrap} with {@link BellaConfig.Builder#optCoreOnly}. Adapter dropout is not supported.
 */
public final class CoreLinear extends ParticleLinear {

    private final int rank;
    private final double scale;
    private final Parameter weight;
    private final Parameter bias;
    private final Parameter a;
    private final Parameter b;
    private final Parameter core;
    private final Map<String, Parameter> particleParameters;

    CoreLinear(
            String path,
            Parameter weight,
            Parameter bias,
            Parameter a,
            Parameter b,
            Parameter core,
            double scale,
            Shape[] inputShapes) {
        super(
                path,
                weight.getArray().getShape().get(1),
                weight.getArray().getShape().get(0),
                Math.toIntExact(core.getArray().getShape().get(0)),
                bias != null,
                inputShapes);
        Shape as = a.getArray().getShape();
        Shape bs = b.getArray().getShape();
        Shape cs = core.getArray().getShape();
        this.rank = cs.dimension() == 3 ? Math.toIntExact(cs.get(1)) : -1;
        if (cs.dimension() != 3
                || cs.get(2) != rank
                || !as.equals(new Shape(getInFeatures(), rank))
                || !bs.equals(new Shape(rank, getOutFeatures()))) {
            throw new IllegalArgumentException(
                    "core shapes of layer '"
                            + path
                            + "' do not fit its weight "
                            + weight.getArray().getShape()
                            + ": A "
                            + as
                            + ", B "
                            + bs
                            + ", R "
                            + cs
                            + " (expected (d_in, r), (r, d_out), (n, r, r))");
        }
        this.scale = scale;
        this.weight = addParameter(weight);
        this.bias = bias == null ? null : addParameter(bias);
        this.a = addParameter(a);
        this.b = addParameter(b);
        this.core = addParameter(core);
        this.particleParameters = Map.of(AdapterNames.LORA_R, core);
    }

    /**
     * Computes all particles' outputs: \( x W_0^\top + b_0 + s\,((x A) R_i) B \) per particle block
     * of rows. The functional form of the block.
     *
     * @param input {@code (n * b, ..., d_in)}, particle-major on the first axis
     * @param weight {@code (d_out, d_in)}, DJL's layout of \( W_0^\top \)
     * @param bias {@code (d_out)} or {@code null}
     * @param a {@code (d_in, r)}
     * @param b {@code (r, d_out)}
     * @param core {@code (n, r, r)}
     * @param scale \( s \)
     * @return {@code (n * b, ..., d_out)}
     */
    public static NDArray coreLinear(
            NDArray input,
            NDArray weight,
            NDArray bias,
            NDArray a,
            NDArray b,
            NDArray core,
            double scale) {
        long n = core.getShape().get(0);
        long in = a.getShape().get(0);
        NDArray base = Linear.linear(input, weight, bias).singletonOrThrow();
        NDArray low = input.reshape(n, -1, in).matMul(a).matMul(core);
        if (scale != 1.0) {
            low = Scalars.mul(low, scale);
        }
        return base.addi(low.matMul(b).reshape(base.getShape()));
    }

    @Override
    NDArray forwardRows(NDArray x, ParameterStore store, boolean training, ParticleRange range) {
        Device device = x.getDevice();
        return coreLinear(
                x,
                store.getValue(weight, device, training),
                store.getValue(bias, device, training),
                store.getValue(a, device, training),
                store.getValue(b, device, training),
                range.slice(store.getValue(core, device, training), x),
                scale);
    }

    /**
     * Returns {@code lora_R} \( (n, r, r) \).
     *
     * @return the core by name
     */
    @Override
    public Map<String, Parameter> getParticleParameters() {
        return particleParameters;
    }

    /**
     * Returns \( r^2 \), the trainable values per particle.
     *
     * @return the core's size
     */
    @Override
    public long trainablePerParticle() {
        return (long) rank * rank;
    }

    /**
     * Returns the frozen values shared by the particles: \( W_0 \), \( b_0 \) and the factors \( A
     * \), \( B \) (held in memory, not saved).
     *
     * @return the shared frozen values
     */
    @Override
    public long sharedFrozenValues() {
        return weight.getArray().size()
                + (bias == null ? 0 : bias.getArray().size())
                + a.getArray().size()
                + b.getArray().size();
    }

    @Override
    public int getRank() {
        return rank;
    }

    /**
     * Returns the scale \( s = \alpha / r \).
     *
     * @return the scale
     */
    public double getScale() {
        return scale;
    }

    /**
     * Returns the frozen \( A = U_r \operatorname{diag}(s_r) \), {@code (d_in, r)}.
     *
     * @return the A parameter (does not require gradient)
     */
    public Parameter getA() {
        return a;
    }

    /**
     * Returns the frozen \( B = V_r^\top \), {@code (r, d_out)}.
     *
     * @return the B parameter (does not require gradient)
     */
    public Parameter getB() {
        return b;
    }

    /**
     * Returns the trainable cores of all particles, {@code (n, r, r)}.
     *
     * @return the R parameter
     */
    public Parameter getCore() {
        return core;
    }

    /**
     * Returns the frozen base weight, DJL layout {@code (d_out, d_in)}.
     *
     * @return the weight parameter
     */
    public Parameter getWeight() {
        return weight;
    }

    /**
     * Returns the dense weight \( W_0 + s A R B \) in DJL's {@code (d_out, d_in)} layout.
     *
     * @param r the core {@code (r, r)}
     * @return a new array attached to the base weight's manager
     */
    private NDArray withCore(NDArray r) {
        NDArray av = a.getArray();
        NDArray bv = b.getArray();
        try (NDManager scope = av.getManager().newSubManager()) {
            NDArray delta = bv.transpose().matMul(r.transpose()).matMul(av.transpose());
            delta.attach(scope);
            NDArray scaled = Scalars.mul(delta, scale);
            scaled.attach(scope);
            NDArray merged = weight.getArray().add(scaled);
            merged.attach(weight.getArray().getManager());
            return merged;
        }
    }

    /**
     * Returns particle {@code i}'s merged dense weight \( W_0 + s A R_i B \) in DJL's layout.
     *
     * @param i the particle index
     * @return a new array; the caller closes it
     */
    public NDArray mergedWeight(int i) {
        checkParticle(i);
        try (NDArray ri = core.getArray().get(i)) {
            return withCore(ri);
        }
    }

    /**
     * Returns \( W_0 + s A (\sum_i w_i R_i) B \), the weighted mix (exact: \( \Delta W \) is linear
     * in \( R \)).
     *
     * @param weights one weight per particle
     * @return a new {@code (d_out, d_in)} array
     */
    public NDArray mixedWeight(double[] weights) {
        checkWeights(weights);
        int n = getParticles();
        NDArray cv = core.getArray();
        try (NDManager scope = cv.getManager().newSubManager()) {
            float[] w = new float[n];
            for (int i = 0; i < n; i++) {
                w[i] = (float) weights[i];
            }
            NDArray mixed =
                    cv.mul(scope.create(w, new Shape(n, 1, 1)).toType(cv.getDataType(), false))
                            .sum(new int[] {0});
            mixed.attach(scope);
            return withCore(mixed);
        }
    }

    @Override
    CoreLinear select(int i, NDManager viewManager) {
        checkParticle(i);
        NDArray cv = core.getArray().get(new NDIndex("{}:{}", i, i + 1));
        cv.attach(viewManager);
        return new CoreLinear(
                getPath(),
                weight,
                bias,
                a,
                b,
                frozen(AdapterNames.LORA_R, cv),
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
}
