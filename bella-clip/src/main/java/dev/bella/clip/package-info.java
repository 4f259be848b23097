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
/**
 * CLIP's visual transformer as DJL blocks, with loaders for user-supplied checkpoints, CLIP's image
 * preprocessing and a classification head, so that Bella can adapt it (SPEC §7).
 *
 * <ul>
 *   <li>{@link dev.bella.clip.ClipVisionConfig} — the architecture's shape; {@code vitB32()} is the
 *       default, the builder makes tiny test configurations.
 *   <li>{@link dev.bella.clip.ClipVisionTransformer} — the tower: patch convolution, class token,
 *       positional embedding, pre-norm residual attention blocks ({@link
 *       dev.bella.clip.ClipResidualBlock}, {@link dev.bella.clip.ClipAttention}, {@link
 *       dev.bella.clip.ClipMlp}), projection. Paths are OpenAI's module names.
 *   <li>{@link dev.bella.clip.ClipCheckpoints} — Hugging Face safetensors and OpenAI
 *       TorchScript/state-dict names, F16/BF16 converted in Java, one error listing every mismatch.
 *   <li>{@link dev.bella.clip.ClipPreprocessor} — resize, center crop, CLIP mean/std.
 *   <li>{@link dev.bella.clip.ClipClassifier} — trainable linear head or zero-shot head from class
 *       text embeddings.
 *   <li>{@link dev.bella.clip.ClipTargets} — Bella's default target layers ({@code c_fc}, {@code
 *       c_proj}).
 * </ul>
 *
 * <p>The text tower is not implemented; no weights are downloaded.
 */
package dev.bella.clip;
