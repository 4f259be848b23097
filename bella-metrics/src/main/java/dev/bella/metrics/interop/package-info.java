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
 * Array interop: one contract, {@link dev.bella.metrics.interop.ArrayAdapter}, by which an array
 * library feeds the metrics. An adapter copies the library's array once into a {@code float[]} and
 * wraps it in the metrics' input views ({@link dev.bella.metrics.ProbabilityMatrix}, {@link
 * dev.bella.metrics.ParticleProbabilities}, {@link dev.bella.metrics.Scores}); the conveniences
 * (classification, uncertainty, report) are the contract's default methods, the same for every
 * library.
 *
 * <p>{@link dev.bella.metrics.interop.Nd4jArrays} adapts ND4J's {@code INDArray} and {@link
 * dev.bella.metrics.interop.DjlArrays} DJL's {@code NDArray} (and applies the image corruptions of
 * {@code dev.bella.metrics.shift} to one). Both libraries are optional dependencies of this module
 * ({@code org.nd4j:nd4j-api}, {@code ai.djl:api}), needed only when the user's build has them, so
 * that the metrics themselves stay usable without any engine.
 */
package dev.bella.metrics.interop;
