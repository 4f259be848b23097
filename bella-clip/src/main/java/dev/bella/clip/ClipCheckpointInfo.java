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
package dev.bella.clip;

import java.nio.file.Path;
import java.util.Collections;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * What {@link ClipCheckpoints#inspect} found in a checkpoint file, read from its header only.
 *
 * @param path the file
 * @param format the container format
 * @param naming the tensor naming scheme
 * @param config the visual tower's configuration inferred from the tensor shapes (heads: {@code
 *     config.json} next to a Hugging Face file if it says, else {@code width / 64} as in every CLIP
 *     model; activation: {@code config.json}'s {@code hidden_act}, else QuickGELU)
 * @param dtypes the stored data types of the visual tensors (safetensors spelling: {@code F32},
 *     {@code F16}, {@code BF16}, ...)
 */
public record ClipCheckpointInfo(
        Path path, Format format, Naming naming, ClipVisionConfig config, Set<String> dtypes) {

    /** The container format. */
    public enum Format {
        /** A safetensors file ({@code model.safetensors}, {@code open_clip_model.safetensors}). */
        SAFETENSORS,
        /** A TorchScript archive, as OpenAI's {@code ViT-B-32.pt}, read through DJL's engine. */
        TORCHSCRIPT
    }

    /** How the visual tower's tensors are named. */
    public enum Naming {
        /**
         * Hugging Face {@code CLIPModel}/{@code CLIPVisionModelWithProjection}: {@code
         * vision_model.*} and {@code visual_projection.weight}, separate q/k/v projections.
         */
        HUGGING_FACE,
        /**
         * OpenAI's CLIP and open_clip: {@code visual.*} (or a bare visual module's names), a fused
         * {@code attn.in_proj_weight}, {@code visual.proj} as {@code (width, outputDim)}.
         */
        OPENAI
    }

    /** Validates and copies the dtype set. */
    public ClipCheckpointInfo {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(naming, "naming");
        Objects.requireNonNull(config, "config");
        dtypes = Collections.unmodifiableSet(new TreeSet<>(dtypes));
    }
}
