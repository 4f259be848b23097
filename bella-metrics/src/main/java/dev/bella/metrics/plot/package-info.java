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
 * Pictures of the metrics: the reliability diagram and histograms of predictive entropy and mutual
 * information for in-distribution vs OOD inputs, as PNG or SVG, drawn with XChart.
 *
 * <p>XChart ({@code org.knowm.xchart:xchart}) is an optional dependency of bella-metrics: a service
 * that only computes numbers does not need it. Code that draws must add it to its own build;
 * without it the methods here throw an {@link java.lang.IllegalStateException} that names the
 * artifact.
 */
package dev.bella.metrics.plot;
