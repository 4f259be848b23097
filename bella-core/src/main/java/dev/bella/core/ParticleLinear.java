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

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.io.DataOutputStream;
import java.util.List;
import java.util.Map;

/**
 * A dense layer of which each of {@code n} particles holds its own version: the one abstraction
 * over every per-particle layer of a {@link ParticleBlock}.
 *
 * <ul>
 *   <li>{@link LowRankLinear}: the frozen \( W_0 \) shared, plus a low-rank perturbation \( s A_i
 *       B_i \) per particle (named {@code lora_A}, {@code lora_B}).
 *   <li>{@link FullRankLinear}: a full copy of the weight and bias per particle (named {@code
 *       weight}, {@code bias}), for per-particle heads and full-rank baselines.
 *   <li>{@link CoreLinear}: B-LoRA-XS, the frozen \( W_0 \) and frozen SVD factors \( A, B \)
 *       shared, plus an \( r \times r \) core \( s A R_i B \) per particle (named {@code lora_R}).
 * </ul>
 *
 * <p>Every kind exposes its trainable per-particle tensors by name ({@link #getParticleParameters},
 * each with the particle axis first), a view of one particle ({@link #select}) and merging into a
 * plain DJL {@link Linear} ({@link #mergeParticle}, {@link #mergeWeighted}), so that saving,
 * loading, training, summaries and soups walk one map of layers, whatever their kind.
 *
 * <p>Input rows are particle-major: the first axis holds {@code n * b} rows, rows {@code [i b,
 * (i+1) b)} belonging to particle {@code i}. A layer extends {@link Linear} so that it can take a
 * {@code Linear}'s place in any block, including a field declared as {@code Linear}. Saving it with
 * DJL's {@code saveParameters} is not supported: save adapters with {@link
 * ParticleBlock#saveAdapters}.
 */
public abstract sealed class ParticleLinear extends Linear
        permits LowRankLinear, FullRankLinear, CoreLinear {

    private final String path;
    private final long inFeatures;
    private final long outFeatures;
    private final int particles;
    private ParticleRange range = ParticleRange.ALL;

    ParticleLinear(
            String path,
            long inFeatures,
            long outFeatures,
            int particles,
            boolean bias,
            Shape[] inputShapes) {
        super(Linear.builder().setUnits(outFeatures).optBias(bias));
        this.path = path;
        this.inFeatures = inFeatures;
        this.outFeatures = outFeatures;
        this.particles = particles;
        this.inputShapes = inputShapes;
    }

    /**
     * Computes every running particle's output from its rows of the input.
     *
     * @param x the input, {@code (m * b, ..., d_in)} with {@code m} the particles of the running
     *     range
     * @param store the parameter store
     * @param training whether this is a training pass
     * @param range the running particle range (its {@link ParticleRange#slice} picks the rows of
     *     per-particle parameters)
     * @return the output, {@code (m * b, ..., d_out)}
     */
    abstract NDArray forwardRows(
            NDArray x, ParameterStore store, boolean training, ParticleRange range);

    /**
     * Returns this layer's trainable per-particle tensors by name, each with the particle axis
     * first, in a fixed order. Their full names in the model are {@link AdapterNames#of(String,
     * String) AdapterNames.of(getPath(), name)}.
     *
     * @return an unmodifiable ordered map from name to parameter
     */
    public abstract Map<String, Parameter> getParticleParameters();

    /**
     * Returns the number of trainable values one particle holds in this layer.
     *
     * @return the values per particle
     */
    public abstract long trainablePerParticle();

    /**
     * Returns the number of frozen values this layer shares between the particles (the base weight
     * and bias of a low-rank layer; 0 for a full copy per particle).
     *
     * @return the shared frozen values
     */
    public abstract long sharedFrozenValues();

    /**
     * Returns the rank of the per-particle perturbation, or 0 for a full copy.
     *
     * @return the rank, or 0
     */
    public abstract int getRank();

    /** A one-particle view of this layer sharing its arrays (views, attached to {@code views}). */
    abstract ParticleLinear select(int i, NDManager views);

    /**
     * Returns a plain DJL {@link Linear} holding particle {@code i}'s dense weight and bias.
     *
     * @param i the particle, in {@code [0, n)}
     * @param manager the manager of the new arrays
     * @return an initialised, frozen {@code Linear}
     */
    abstract Linear mergeParticle(int i, NDManager manager);

    /**
     * Returns a plain DJL {@link Linear} holding the weighted mix of the particles' layers: \( W_0
     * + s \sum_i w_i A_i B_i \) for a low-rank layer, \( \sum_i w_i W_i \) for full copies.
     *
     * @param weights one weight per particle, validated by the caller
     * @param manager the manager of the new arrays
     * @return an initialised, frozen {@code Linear}
     */
    abstract Linear mergeWeighted(double[] weights, NDManager manager);

    @Override
    protected final NDList forwardInternal(
            ParameterStore parameterStore,
            NDList inputs,
            boolean training,
            PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        Shape shape = x.getShape();
        if (shape.dimension() < 2 || shape.get(shape.dimension() - 1) != inFeatures) {
            throw new IllegalArgumentException(
                    "layer '"
                            + path
                            + "' expects input (particles * batch, ..., "
                            + inFeatures
                            + ") but got shape "
                            + shape);
        }
        int n = range.count(particles);
        if (shape.get(0) % n != 0) {
            throw new IllegalArgumentException(
                    "layer '"
                            + path
                            + "' runs "
                            + n
                            + " particles, but the first axis of its input "
                            + shape
                            + " is not a multiple of "
                            + n
                            + "; layers before an adapted layer must keep the batch on axis 0");
        }
        return new NDList(forwardRows(x, parameterStore, training, range));
    }

    /** Shares the particle range of the block this layer belongs to. */
    final void setRange(ParticleRange range) {
        this.range = range;
    }

    /**
     * Returns this layer's path in the wrapped model.
     *
     * @return the path, e.g. {@code "transformer.resblocks.0.mlp.c_fc"}
     */
    public final String getPath() {
        return path;
    }

    /**
     * Returns \( d_{in} \).
     *
     * @return the input features
     */
    public final long getInFeatures() {
        return inFeatures;
    }

    /**
     * Returns \( d_{out} \).
     *
     * @return the output features
     */
    public final long getOutFeatures() {
        return outFeatures;
    }

    /**
     * Returns the number of particles held.
     *
     * @return {@code n}
     */
    public final int getParticles() {
        return particles;
    }

    @Override
    public final Shape[] getOutputShapes(Shape[] inputs) {
        Shape in = inputs[0];
        return new Shape[] {in.slice(0, in.dimension() - 1).add(outFeatures)};
    }

    @Override
    public final void initialize(NDManager manager, DataType dataType, Shape... inputShapes) {
        // Created initialised by Bella.wrap.
    }

    @Override
    public final PairList<String, Shape> describeInput() {
        return new PairList<>(List.of("linearInput"), List.of(inputShapes));
    }

    @Override
    public final void prepare(Shape[] inputShapes) {}

    @Override
    protected final void beforeInitialize(Shape... inputShapes) {}

    @Override
    public final void saveParameters(DataOutputStream os) {
        throw new UnsupportedOperationException(
                "a "
                        + getClass().getSimpleName()
                        + " cannot be saved with DJL's saveParameters; save the adapters with"
                        + " ParticleBlock.saveAdapters(dir) and keep the base model's own file");
    }

    final Shape[] inputShapes() {
        return inputShapes;
    }

    final void checkParticle(int i) {
        if (i < 0 || i >= particles) {
            throw new IllegalArgumentException(
                    "particle index " + i + " is outside [0, " + particles + ")");
        }
    }

    final void checkWeights(double[] weights) {
        if (weights.length != particles) {
            throw new IllegalArgumentException(
                    "expected " + particles + " particle weights, got " + weights.length);
        }
    }

    /** A frozen {@link Linear} holding the given weight and (optional) bias, owned by manager. */
    static Linear frozenLinear(NDArray weight, NDArray bias, NDManager manager) {
        weight.attach(manager);
        Shape ws = weight.getShape();
        Linear linear = Linear.builder().setUnits(ws.get(0)).optBias(bias != null).build();
        linear.getParameters().get("weight").setArray(weight);
        if (bias != null) {
            bias.attach(manager);
            linear.getParameters().get("bias").setArray(bias);
        }
        linear.initialize(manager, weight.getDataType(), new Shape(1, ws.get(1)));
        linear.freezeParameters(true);
        return linear;
    }

    /** A parameter that does not require gradients, holding {@code array}. */
    static Parameter frozen(String name, NDArray array) {
        return Parameter.builder()
                .setName(name)
                .setType(Parameter.Type.OTHER)
                .optShape(array.getShape())
                .optArray(array)
                .optRequiresGrad(false)
                .build();
    }

    /** A trainable parameter holding {@code array}, named {@code name}. */
    static Parameter trainable(String name, NDArray array) {
        array.setName(name);
        return Parameter.builder()
                .setName(name)
                .setType(Parameter.Type.WEIGHT)
                .optShape(array.getShape())
                .optArray(array)
                .optRequiresGrad(true)
                .build();
    }
}
