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
 * The DJL side of the array interop of bella-metrics: {@link dev.bella.core.interop.DjlArrays}
 * implements bella-metrics' one contract, {@code dev.bella.metrics.interop.ArrayAdapter}, for DJL's
 * {@code NDArray} (as bella-metrics' {@code Nd4jArrays} does for ND4J): one copy from the engine to
 * a {@code float[]}, wrapped in the metrics' input views ({@code ProbabilityMatrix}, {@code
 * ParticleProbabilities}, {@code Scores}), and the contract's conveniences (classification,
 * uncertainty, report). It also applies the engine-free image corruptions of {@code
 * dev.bella.metrics.shift} to an {@code NDArray}. It lives here, in the module that already has
 * DJL, so that bella-metrics stays usable without any engine.
 */
package dev.bella.core.interop;
