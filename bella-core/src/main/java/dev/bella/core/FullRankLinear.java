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

/**
 * A dense layer of which every particle owns a full copy: weight {@code (n, d_out, d_in)} and bias
 * {@code (n, d_out)}, all trainable, initialised from the pre-trained layer.
 *
 * <p>This is the "small per-particle head" of SPEC §1 (for example a classifier on top of CLIP's
 * embedding) and the building block of the full-rank baselines (every dense layer of a small model
 * per particle: an ensemble of full fine-tuned copies, or full-rank SVGD). Selected with {@link
 * BellaConfig.Builder#optFullRankTargets}. Input rows are particle-major, as for every {@link
 * ParticleLinear}.
 */
public final class FullRankLinear extends ParticleLinear {

    private final Parameter weight;
    private final Parameter bias;
    private final Map<String, Parameter> particleParameters;

    FullRankLinear(String path, Parameter weight, Parameter bias, Shape[] inputShapes) {
        super(
                path,
                weight.getArray().getShape().get(weight.getArray().getShape().dimension() - 1),
                weight.getArray().getShape().dimension() == 3
                        ? weight.getArray().getShape().get(1)
                        : -1,
                Math.toIntExact(weight.getArray().getShape().get(0)),
                bias != null,
                inputShapes);
        Shape ws = weight.getArray().getShape();
        if (ws.dimension() != 3
                || (bias != null
                        && !bias.getArray().getShape().equals(new Shape(ws.get(0), ws.get(1))))) {
            throw new IllegalArgumentException(
                    "per-particle weights of layer '"
                            + path
                            + "' have inconsistent shapes: "
                            + ws
                            + (bias == null ? "" : ", bias " + bias.getArray().getShape()));
        }
        this.weight = addParameter(weight);
        this.bias = bias == null ? null : addParameter(bias);
        Map<String, Parameter> named = new LinkedHashMap<>();
        named.put(AdapterNames.WEIGHT, weight);
        if (bias != null) {
            named.put(AdapterNames.BIAS, bias);
        }
        this.particleParameters = Collections.unmodifiableMap(named);
    }

    /**
     * Computes every particle's output with its own weights. Functional form of the block.
     *
     * @param input {@code (n * b, ..., d_in)}, particle-major on the first axis
     * @param weight {@code (n, d_out, d_in)}
     * @param bias {@code (n, d_out)} or {@code null}
     * @return {@code (n * b, ..., d_out)}
     */
    public static NDArray fullRankLinear(NDArray input, NDArray weight, NDArray bias) {
        Shape ws = weight.getShape();
        long n = ws.get(0);
        Shape in = input.getShape();
        // DJL attaches a result to its first operand's manager: keep every intermediate in the
        // input's manager, never in the weights'.
        NDArray wt = weight.transpose(0, 2, 1);
        wt.attach(input.getManager());
        NDArray y = input.reshape(n, -1, ws.get(2)).matMul(wt);
        if (bias != null) {
            NDArray b = bias.expandDims(1);
            b.attach(input.getManager());
            y = y.add(b);
        }
        return y.reshape(in.slice(0, in.dimension() - 1).add(ws.get(1)));
    }

    @Override
    NDArray forwardRows(NDArray x, ParameterStore store, boolean training, ParticleRange range) {
        Device device = x.getDevice();
        return fullRankLinear(
                x,
                range.slice(store.getValue(weight, device, training), x),
                range.slice(store.getValue(bias, device, training), x));
    }

    /**
     * Returns {@code weight} {@code (n, d_out, d_in)} and, if the layer has one, {@code bias}
     * {@code (n, d_out)}.
     *
     * @return the per-particle tensors by name
     */
    @Override
    public Map<String, Parameter> getParticleParameters() {
        return particleParameters;
    }

    /**
     * Returns the number of trainable values per particle, \( d_{out} (d_{in} + 1) \) with a bias.
     *
     * @return the size of one particle's copy
     */
    @Override
    public long trainablePerParticle() {
        return getOutFeatures() * getInFeatures() + (bias == null ? 0 : getOutFeatures());
    }

    @Override
    public long sharedFrozenValues() {
        return 0;
    }

    /**
     * Returns 0: every particle holds a full copy, not a low-rank perturbation.
     *
     * @return 0
     */
    @Override
    public int getRank() {
        return 0;
    }

    /**
     * Returns the particles' weights {@code (n, d_out, d_in)}, trainable (named {@link
     * AdapterNames#WEIGHT}).
     *
     * @return the weight parameter
     */
    public Parameter getWeights() {
        return weight;
    }

    /**
     * Returns the particles' biases {@code (n, d_out)}, trainable (named {@link
     * AdapterNames#BIAS}), or {@code null} if the layer has none.
     *
     * @return the bias parameter or {@code null}
     */
    public Parameter getBiases() {
        return bias;
    }

    @Override
    FullRankLinear select(int i, NDManager viewManager) {
        checkParticle(i);
        NDIndex one = new NDIndex("{}:{}", i, i + 1);
        NDArray w = weight.getArray().get(one);
        w.attach(viewManager);
        Parameter bv = null;
        if (bias != null) {
            NDArray b = bias.getArray().get(one);
            b.attach(viewManager);
            bv = frozen(AdapterNames.BIAS, b);
        }
        return new FullRankLinear(getPath(), frozen(AdapterNames.WEIGHT, w), bv, inputShapes());
    }

    @Override
    Linear mergeWeighted(double[] weights, NDManager manager) {
        checkWeights(weights);
        int particles = getParticles();
        float[] w = new float[particles];
        for (int i = 0; i < particles; i++) {
            w[i] = (float) weights[i];
        }
        NDArray wv = manager.create(w);
        NDArray mixedW = weight.getArray().mul(wv.reshape(particles, 1, 1)).sum(new int[] {0});
        NDArray mixedB =
                bias == null
                        ? null
                        : bias.getArray().mul(wv.reshape(particles, 1)).sum(new int[] {0});
        wv.close();
        return frozenLinear(mixedW, mixedB, manager);
    }

    @Override
    Linear mergeParticle(int i, NDManager manager) {
        checkParticle(i);
        NDArray w = weight.getArray().get(i).duplicate();
        NDArray b = bias == null ? null : bias.getArray().get(i).duplicate();
        return frozenLinear(w, b, manager);
    }
}
