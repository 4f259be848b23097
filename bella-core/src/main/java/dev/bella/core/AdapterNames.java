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

/**
 * The names of particle tensors: the one place where a tensor's name in a model, an adapter file,
 * an optimizer state and a checkpoint is built.
 *
 * <p>A tensor is named {@code <layer path>.<name>}, e.g. {@code
 * "transformer.resblocks.0.mlp.c_fc.lora_A"}: the layer's path from {@link LayerPaths} and the
 * tensor's name within its {@link ParticleLinear} ({@link #LORA_A}, {@link #LORA_B} for a low-rank
 * layer, {@link #LORA_R} for a core between frozen SVD factors, {@link #WEIGHT}, {@link #BIAS} for
 * a full copy per particle).
 */
public final class AdapterNames {

    /** The \( A \) factors of a low-rank layer, {@code (n, d_in, r)}. */
    public static final String LORA_A = "lora_A";

    /** The \( B \) factors of a low-rank layer, {@code (n, r, d_out)}. */
    public static final String LORA_B = "lora_B";

    /** The \( r \times r \) cores of a B-LoRA-XS layer ({@link CoreLinear}), {@code (n, r, r)}. */
    public static final String LORA_R = "lora_R";

    /** The per-particle weights of a full-rank layer, {@code (n, d_out, d_in)}. */
    public static final String WEIGHT = "weight";

    /** The per-particle biases of a full-rank layer, {@code (n, d_out)}. */
    public static final String BIAS = "bias";

    private AdapterNames() {}

    /**
     * Returns the full name of a layer's tensor.
     *
     * @param layerPath the layer's path, e.g. {@code "mlp.c_fc"}
     * @param name the tensor's name in its layer, e.g. {@link #LORA_A}
     * @return {@code layerPath + "." + name}
     */
    public static String of(String layerPath, String name) {
        return layerPath.isEmpty() ? name : layerPath + "." + name;
    }
}
