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
 * Engine-free readers of tensor files: {@link dev.bella.core.io.SafetensorsFile} parses and
 * validates a safetensors header and reads one tensor at a time as float32 (F32, F16, BF16, F64,
 * converted by {@link dev.bella.core.io.HalfFloats}); {@link dev.bella.core.io.TensorSource} is the
 * interface that model loaders read through.
 */
package dev.bella.core.io;
