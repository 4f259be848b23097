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
package dev.bella.core.peft;

/**
 * Maps the module paths PEFT names its tensors by (the Python model's, without PEFT's {@code
 * base_model.model.} prefix) to the layer paths of a DJL base network, and back.
 *
 * <p>{@link #IDENTITY} suits a base whose DJL paths are the Python module paths; CLIP's map lives
 * beside CLIP ({@code dev.bella.clip.ClipPeftNames}).
 */
public interface PeftNameMap {

    /** The same name on both sides. */
    PeftNameMap IDENTITY =
            new PeftNameMap() {
                @Override
                public String toBella(String peftModule) {
                    return peftModule;
                }

                @Override
                public String toPeft(String bellaPath) {
                    return bellaPath;
                }
            };

    /**
     * Where a PEFT module lands in a Bella layer: the whole layer ({@code parts = 1}), or, when the
     * base fuses several of the Python model's modules into one layer (CLIP's {@code q_proj},
     * {@code k_proj}, {@code v_proj} in one {@code in_proj}), output rows {@code [part * out /
     * parts, (part + 1) * out / parts)} of it.
     *
     * @param path the Bella layer path
     * @param part which block of rows, from 0
     * @param parts how many equal blocks the layer's output has
     */
    record Rows(String path, int part, int parts) {

        /** Checks the range. */
        public Rows {
            if (parts < 1 || part < 0 || part >= parts) {
                throw new IllegalArgumentException(
                        "part "
                                + part
                                + " of "
                                + parts
                                + " is out of range for layer '"
                                + path
                                + "'");
            }
        }
    }

    /**
     * Returns where a PEFT module lands; by default the whole layer {@link #toBella} names.
     *
     * @param peftModule a module path
     * @return the layer and its rows
     * @throws IllegalArgumentException if the module has no counterpart
     */
    default Rows toBellaRows(String peftModule) {
        return new Rows(toBella(peftModule), 0, 1);
    }

    /**
     * Returns the Bella layer path of a PEFT module.
     *
     * @param peftModule a module path such as {@code vision_model.encoder.layers.0.mlp.fc1}
     * @return the layer path in the DJL base
     * @throws IllegalArgumentException if the module has no counterpart (the message names it and
     *     what is supported)
     */
    String toBella(String peftModule);

    /**
     * Returns the PEFT module path of a Bella layer.
     *
     * @param bellaPath a layer path of the DJL base
     * @return the module path PEFT would use
     * @throws IllegalArgumentException if the layer has no counterpart
     */
    String toPeft(String bellaPath);
}
