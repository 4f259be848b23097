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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The runtime half of the proof that each adapted layer is on the forward path (see {@link
 * ParticleBlock#verifyForwardPath}): perturbs one particle's adapter of each layer in turn and
 * checks that the output of that particle moves.
 */
final class ForwardPathProbe {

    /** The particle whose adapters are perturbed. */
    static final int PARTICLE = 0;

    /** An output moves if some value changes by more than this, relative to its largest value. */
    static final double TOLERANCE = 1e-5;

    private ForwardPathProbe() {}

    static void verify(ParticleBlock model, NDList sampleInputs) {
        if (sampleInputs == null || sampleInputs.isEmpty()) {
            throw new IllegalArgumentException(
                    "verifyForwardPath needs sample inputs, as for predict: each (batch, ...)");
        }
        try (NDManager scope = sampleInputs.get(0).getManager().newSubManager()) {
            sampleInputs.tempAttach(scope);
            NDList before = particleOutputs(model, sampleInputs);
            long seed = 0x5EEDL;
            for (Map.Entry<String, ParticleLinear> e : model.getLayers().entrySet()) {
                // Every per-particle tensor of the layer moves (both factors of a low-rank layer,
                // so the product moves even where A or B is zero).
                List<Parameter> parameters =
                        List.copyOf(e.getValue().getParticleParameters().values());
                double[] std = new double[parameters.size()];
                for (int k = 0; k < std.length; k++) {
                    Shape s = parameters.get(k).getArray().getShape();
                    std[k] = 1 / Math.sqrt(s.dimension() > 2 ? s.get(1) : 1);
                }
                probe(model, sampleInputs, before, e.getKey(), parameters, std, seed++, scope);
            }
        }
    }

    private static void probe(
            ParticleBlock model,
            NDList inputs,
            NDList before,
            String path,
            List<Parameter> parameters,
            double[] std,
            long seed,
            NDManager scope) {
        List<NDArray> saved = new ArrayList<>();
        try {
            SplittableRandom rng = new SplittableRandom(seed);
            for (int k = 0; k < parameters.size(); k++) {
                NDArray value = parameters.get(k).getArray();
                NDArray copy = value.duplicate();
                copy.attach(scope);
                saved.add(copy);
                NDArray perturbed = value.add(noise(scope, value, std[k], rng));
                perturbed.attach(scope);
                InPlace.copy(perturbed, value);
            }
            NDList after = particleOutputs(model, inputs);
            if (!moved(before, after)) {
                throw new IllegalStateException(
                        "layer '"
                                + path
                                + "' is not on the forward path: perturbing particle "
                                + PARTICLE
                                + "'s adapter of this layer leaves that particle's output"
                                + " unchanged, so the model still runs something other than the"
                                + " adapted layer (or these inputs never reach it; try inputs"
                                + " that do)");
            }
        } finally {
            // Exactly the saved bytes, whatever happened in between.
            for (int k = 0; k < saved.size(); k++) {
                InPlace.copy(saved.get(k), parameters.get(k).getArray());
            }
        }
    }

    /** Zero except in the probed particle's slice, which holds Gaussian noise. */
    private static NDArray noise(NDManager scope, NDArray like, double std, SplittableRandom rng) {
        Shape shape = like.getShape();
        int per = Math.toIntExact(shape.size() / shape.get(0));
        float[] values = new float[Math.toIntExact(shape.size())];
        for (int i = 0; i < per; i++) {
            values[PARTICLE * per + i] = (float) (rng.nextGaussian() * std);
        }
        return scope.create(values, shape)
                .toType(like.getDataType(), false)
                .toDevice(like.getDevice(), false);
    }

    private static NDList particleOutputs(ParticleBlock model, NDList inputs) {
        NDList out = new NDList();
        for (NDArray y : model.predict(inputs)) {
            out.add(y.get(PARTICLE).toType(DataType.FLOAT32, false));
        }
        return out;
    }

    private static boolean moved(NDList before, NDList after) {
        for (int i = 0; i < before.size(); i++) {
            double scale = Math.max(1, before.get(i).abs().max().getFloat());
            double change = after.get(i).sub(before.get(i)).abs().max().getFloat();
            if (!(change <= TOLERANCE * scale)) {
                return true;
            }
        }
        return false;
    }
}
